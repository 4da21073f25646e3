//! The embedded ImageNet classifier behind wasi-nn: loaded on first use and kept for the life of
//! the instance, as AIO's module does.
use std::cell::OnceCell;

use operator_logic::imagenet::{classify, planar_normalised, SIDE};

use crate::wasi::nn::errors::Error as NnError;
use crate::wasi::nn::graph::{self, ExecutionTarget, Graph, GraphEncoding};
use crate::wasi::nn::inference::GraphExecutionContext;
use crate::wasi::nn::tensor::{Tensor, TensorType};

/// EfficientNet-Lite0 (see modules/imagenet/), input `data` [1,3,224,224] FP32, 1000 logits.
static MODEL: &[u8] = include_bytes!(env!("IMAGENET_MODEL"));
static LABELS: &str = include_str!(env!("IMAGENET_LABELS"));
const INPUT: &str = "data";

struct Session {
    // The context may refer to its graph: keep both alive together.
    _graph: Graph,
    context: GraphExecutionContext,
}

thread_local! {
    static SESSION: OnceCell<Result<Session, String>> = const { OnceCell::new() };
}

fn describe(e: NnError) -> String {
    format!("wasi-nn {:?}: {}", e.code(), e.data())
}

fn open() -> Result<Session, String> {
    let graph = graph::load(&[MODEL.to_vec()], GraphEncoding::Onnx, ExecutionTarget::Cpu)
        .map_err(describe)?;
    let context = graph.init_execution_context().map_err(describe)?;
    Ok(Session {
        _graph: graph,
        context,
    })
}

/// The top-1 ImageNet label of a 224×224 RGB24 frame.
pub fn label_of(frame: &[u8]) -> Result<String, String> {
    let input = Tensor::new(
        &[1, 3, SIDE, SIDE],
        TensorType::Fp32,
        &planar_normalised(frame),
    );
    SESSION.with(|cell| {
        let session = cell.get_or_init(open).as_ref().map_err(Clone::clone)?;
        let outputs = session
            .context
            .compute(vec![(INPUT.to_string(), input)])
            .map_err(describe)?;
        let (_, logits) = outputs.first().ok_or("the model returned no output")?;
        classify(&logits.data(), LABELS)
    })
}
