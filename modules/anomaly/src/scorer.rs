//! The anomaly scorer behind wasi-nn, found by name (`load-by-name`), so the model is replaced
//! in the gateway configuration without rebuilding the module. Opened on first use, then kept.
use std::cell::OnceCell;

use operator_logic::imagenet::f32s;

use crate::wasi::nn::errors::Error as NnError;
use crate::wasi::nn::graph::{self, Graph};
use crate::wasi::nn::inference::GraphExecutionContext;
use crate::wasi::nn::tensor::{Tensor, TensorType};

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

fn open(model: &str) -> Result<Session, String> {
    let graph =
        graph::load_by_name(model).map_err(|e| format!("model {model:?}: {}", describe(e)))?;
    let context = graph.init_execution_context().map_err(describe)?;
    Ok(Session {
        _graph: graph,
        context,
    })
}

/// The model's score for one input row (its first output value).
pub fn score(model: &str, input_name: &str, row: &[f32]) -> Result<f32, String> {
    let bytes: Vec<u8> = row.iter().flat_map(|v| v.to_le_bytes()).collect();
    let input = Tensor::new(&[1, row.len() as u32], TensorType::Fp32, &bytes);
    SESSION.with(|cell| {
        let session = cell
            .get_or_init(|| open(model))
            .as_ref()
            .map_err(Clone::clone)?;
        let outputs = session
            .context
            .compute(vec![(input_name.to_string(), input)])
            .map_err(describe)?;
        let (_, out) = outputs.first().ok_or("the model returned no output")?;
        f32s(&out.data())
            .first()
            .copied()
            .ok_or_else(|| "the model returned an empty score".into())
    })
}
