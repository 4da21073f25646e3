//! `nn-probe`: a map operator that drives wasi-nn (`wasi:nn@0.2.0-rc-2024-10-28`) from JSON
//! commands, so the host's conformance tests can reach every path through a real component.
//!
//! Payload in (see `command.rs`):
//! `{"load":{"name":"anomaly"},"inputs":[{"name":"X","type":"fp32","dims":[1,8],"data":[…]}]}`
//! Payload out: `{"outputs":[{"name","type","dims","raw","data"}],"computeMicros":t}` or
//! `{"error":{"stage":"load|init|compute","code":"not-found","data":"…"}}`.
mod codec;
mod command;

wit_bindgen::generate!({
    inline: r#"
        package weir:nn-probe;
        world nn-probe {
            include wasm-graph:processor/map-impl@1.1.0;
            import wasi:nn/tensor@0.2.0-rc-2024-10-28;
            import wasi:nn/graph@0.2.0-rc-2024-10-28;
            import wasi:nn/inference@0.2.0-rc-2024-10-28;
            import wasi:nn/errors@0.2.0-rc-2024-10-28;
        }
    "#,
    path: ["../../wit/wasm-graph", "../../wit/wasi-nn"],
    generate_all,
});

use std::cell::RefCell;
use std::collections::HashMap;

use command::{Command, Load, TensorSpec};
use exports::wasm_graph::processor::map;
use serde_json::{json, Value};
use wasi::nn::errors::{Error as NnError, ErrorCode};
use wasi::nn::graph::{self, ExecutionTarget, Graph, GraphEncoding};
use wasi::nn::inference::GraphExecutionContext;
use wasi::nn::tensor::{Tensor, TensorType};
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

/// A loaded model and one execution context, kept across messages when a command says `keep`.
struct Loaded {
    _graph: Graph,
    context: GraphExecutionContext,
}

thread_local! {
    static KEPT: RefCell<HashMap<String, Loaded>> = RefCell::new(HashMap::new());
}

struct Failure {
    stage: &'static str,
    code: String,
    data: String,
}

/// The WIT spelling of an error code.
fn code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidArgument => "invalid-argument",
        ErrorCode::InvalidEncoding => "invalid-encoding",
        ErrorCode::Timeout => "timeout",
        ErrorCode::RuntimeError => "runtime-error",
        ErrorCode::UnsupportedOperation => "unsupported-operation",
        ErrorCode::TooLarge => "too-large",
        ErrorCode::NotFound => "not-found",
        ErrorCode::Security => "security",
        ErrorCode::Unknown => "unknown",
    }
}

fn failed(stage: &'static str, e: NnError) -> Failure {
    Failure {
        stage,
        code: code_name(e.code()).into(),
        data: e.data(),
    }
}

fn encoding(name: &str) -> Result<GraphEncoding, Failure> {
    Ok(match name {
        "openvino" => GraphEncoding::Openvino,
        "onnx" => GraphEncoding::Onnx,
        "tensorflow" => GraphEncoding::Tensorflow,
        "pytorch" => GraphEncoding::Pytorch,
        "tensorflowlite" => GraphEncoding::Tensorflowlite,
        "ggml" => GraphEncoding::Ggml,
        "autodetect" => GraphEncoding::Autodetect,
        other => return Err(probe_error(format!("unknown encoding {other:?}"))),
    })
}

fn target(name: &str) -> Result<ExecutionTarget, Failure> {
    Ok(match name {
        "cpu" => ExecutionTarget::Cpu,
        "gpu" => ExecutionTarget::Gpu,
        "tpu" => ExecutionTarget::Tpu,
        other => return Err(probe_error(format!("unknown target {other:?}"))),
    })
}

fn probe_error(data: String) -> Failure {
    Failure {
        stage: "command",
        code: "probe".into(),
        data,
    }
}

fn load(spec: &Load) -> Result<Graph, Failure> {
    match spec {
        Load::Name(name) => graph::load_by_name(name).map_err(|e| failed("load", e)),
        Load::Bytes {
            builders,
            encoding: enc,
            target: tgt,
        } => graph::load(builders, encoding(enc)?, target(tgt)?).map_err(|e| failed("load", e)),
    }
}

fn tensor_type(name: &str) -> Result<TensorType, Failure> {
    Ok(match name {
        "fp16" => TensorType::Fp16,
        "fp32" => TensorType::Fp32,
        "fp64" => TensorType::Fp64,
        "bf16" => TensorType::Bf16,
        "u8" => TensorType::U8,
        "i32" => TensorType::I32,
        "i64" => TensorType::I64,
        other => return Err(probe_error(format!("unknown tensor type {other:?}"))),
    })
}

fn type_name(t: TensorType) -> &'static str {
    match t {
        TensorType::Fp16 => "fp16",
        TensorType::Fp32 => "fp32",
        TensorType::Fp64 => "fp64",
        TensorType::Bf16 => "bf16",
        TensorType::U8 => "u8",
        TensorType::I32 => "i32",
        TensorType::I64 => "i64",
    }
}

/// A tensor's type and bytes, made once per command.
struct Prepared<'a> {
    spec: &'a TensorSpec,
    ty: TensorType,
    data: Vec<u8>,
}

fn prepare(spec: &TensorSpec) -> Result<Prepared<'_>, Failure> {
    let ty = tensor_type(&spec.ty)?;
    let data = match (&spec.raw, spec.fill) {
        (Some(raw), _) => raw.clone(),
        (None, Some(x)) => {
            let count: u64 = spec.dims.iter().map(|d| *d as u64).product();
            codec::encode_numbers(&spec.ty, &vec![x; count as usize]).map_err(probe_error)?
        }
        (None, None) => codec::encode_numbers(&spec.ty, &spec.data).map_err(probe_error)?,
    };
    Ok(Prepared { spec, ty, data })
}

fn describe(name: &str, t: &Tensor) -> Value {
    let ty = type_name(t.ty());
    let data = t.data();
    json!({
        "name": name,
        "type": ty,
        "dims": t.dimensions(),
        "raw": codec::base64_encode(&data),
        "data": codec::decode_numbers(ty, &data),
    })
}

/// Runs compute `repeat` times; each call is timed alone (inputs are made before the clock
/// starts), so a benchmark sees the wasi-nn round trip and nothing of this module's work.
fn compute(context: &GraphExecutionContext, cmd: &Command) -> Result<Value, Failure> {
    let mut outputs = Vec::new();
    let mut times = Vec::new();
    let prepared = cmd
        .inputs
        .iter()
        .map(prepare)
        .collect::<Result<Vec<_>, _>>()?;
    for _ in 0..cmd.repeat.max(1) {
        let inputs: Vec<(String, Tensor)> = prepared
            .iter()
            .map(|p| (p.spec.name.clone(), Tensor::new(&p.spec.dims, p.ty, &p.data)))
            .collect();
        let started = std::time::Instant::now();
        outputs = context.compute(inputs).map_err(|e| failed("compute", e))?;
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let micros = times.iter().sum::<f64>() / times.len() as f64;
    let described: Vec<Value> = outputs.iter().map(|(n, t)| describe(n, t)).collect();
    let mut answer = json!({ "outputs": described, "computeMicros": micros });
    if times.len() > 1 {
        answer["times"] = json!(times);
    }
    Ok(answer)
}

fn run(cmd: &Command) -> Result<Value, Failure> {
    let Some(spec) = &cmd.load else {
        return Err(probe_error("the command has no \"load\"".into()));
    };
    if let Some(key) = &cmd.keep {
        let kept = KEPT.with(|k| k.borrow().contains_key(key));
        if !kept {
            let graph = load(spec)?;
            let context = graph.init_execution_context().map_err(|e| failed("init", e))?;
            KEPT.with(|k| {
                k.borrow_mut().insert(
                    key.clone(),
                    Loaded {
                        _graph: graph,
                        context,
                    },
                )
            });
        }
        if cmd.inputs.is_empty() {
            return Ok(json!({ "loaded": true }));
        }
        return KEPT.with(|k| compute(&k.borrow()[key].context, cmd));
    }
    let graph = load(spec)?;
    let context = graph.init_execution_context().map_err(|e| failed("init", e))?;
    if cmd.inputs.is_empty() {
        return Ok(json!({ "loaded": true }));
    }
    compute(&context, cmd)
}

struct Probe;

impl map::Guest for Probe {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    fn process(input: DataModel) -> Result<DataModel, Error> {
        let DataModel::Message(mut message) = input else {
            return Err(Error {
                message: "nn-probe expects a message".into(),
            });
        };
        let bytes = match &message.payload {
            BufferOrBytes::Buffer(b) => b.read(),
            BufferOrBytes::Bytes(b) => b.clone(),
        };
        let answer = match Command::parse(&bytes) {
            Err(text) => json!({ "error": { "stage": "command", "code": "probe", "data": text } }),
            Ok(cmd) if cmd.drop_kept => {
                KEPT.with(|k| k.borrow_mut().clear());
                json!({ "dropped": true })
            }
            Ok(cmd) => match run(&cmd) {
                Ok(v) => v,
                Err(f) => json!({ "error": { "stage": f.stage, "code": f.code, "data": f.data } }),
            },
        };
        message.payload = BufferOrBytes::Bytes(answer.to_string().into_bytes());
        Ok(DataModel::Message(message))
    }
}

export!(Probe);
