//! The JSON command a message carries.
use serde_json::Value;

use crate::codec::base64_decode;

/// Where the model comes from.
pub enum Load {
    /// `{"name": "anomaly"}`: `load-by-name`.
    Name(String),
    /// `{"bytes": "<base64>"}` or `{"fill": n, "byte": b}` (n bytes made here), with
    /// `encoding` (default onnx) and `target` (default cpu): `load`.
    Bytes {
        builders: Vec<Vec<u8>>,
        encoding: String,
        target: String,
    },
}

/// One input tensor: numbers in `data`, little-endian bytes in `raw` (base64), or every
/// element set to `fill`.
pub struct TensorSpec {
    pub name: String,
    pub ty: String,
    pub dims: Vec<u32>,
    pub data: Vec<f64>,
    pub raw: Option<Vec<u8>>,
    pub fill: Option<f64>,
}

pub struct Command {
    pub load: Option<Load>,
    pub inputs: Vec<TensorSpec>,
    /// Keep the graph and context under this key and reuse them in later messages.
    pub keep: Option<String>,
    /// Drop every kept graph and context.
    pub drop_kept: bool,
    /// Run compute this many times (for benchmarks); the last outputs are reported.
    pub repeat: u32,
}

fn text(v: &Value, key: &str, default: &str) -> Result<String, String> {
    match v.get(key) {
        None => Ok(default.into()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("\"{key}\" must be a string")),
    }
}

fn parse_load(v: &Value) -> Result<Load, String> {
    if let Some(name) = v.get("name") {
        return name
            .as_str()
            .map(|n| Load::Name(n.into()))
            .ok_or_else(|| "\"load.name\" must be a string".into());
    }
    let mut builders = Vec::new();
    if let Some(b) = v.get("bytes") {
        let list: Vec<&Value> = match b {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for item in list {
            let s = item.as_str().ok_or("\"load.bytes\" must be base64 text")?;
            builders.push(base64_decode(s)?);
        }
    } else if let Some(n) = v.get("fill").and_then(Value::as_u64) {
        let byte = v.get("byte").and_then(Value::as_u64).unwrap_or(0) as u8;
        builders.push(vec![byte; n as usize]);
    } else {
        return Err("\"load\" needs \"name\", \"bytes\" or \"fill\"".into());
    }
    Ok(Load::Bytes {
        builders,
        encoding: text(v, "encoding", "onnx")?,
        target: text(v, "target", "cpu")?,
    })
}

fn parse_tensor(v: &Value) -> Result<TensorSpec, String> {
    let dims = v
        .get("dims")
        .and_then(Value::as_array)
        .ok_or("an input needs \"dims\"")?
        .iter()
        .map(|d| d.as_u64().map(|d| d as u32).ok_or("dims must be numbers"))
        .collect::<Result<Vec<_>, _>>()?;
    let data = match v.get("data") {
        None => Vec::new(),
        Some(d) => d
            .as_array()
            .ok_or("\"data\" must be a list of numbers")?
            .iter()
            .map(|x| x.as_f64().ok_or("\"data\" must be a list of numbers"))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let raw = match v.get("raw") {
        None => None,
        Some(r) => Some(base64_decode(r.as_str().ok_or("\"raw\" must be base64 text")?)?),
    };
    Ok(TensorSpec {
        name: text(v, "name", "")?,
        ty: text(v, "type", "fp32")?,
        dims,
        data,
        raw,
        fill: v.get("fill").and_then(Value::as_f64),
    })
}

impl Command {
    pub fn parse(bytes: &[u8]) -> Result<Command, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let load = v.get("load").map(parse_load).transpose()?;
        let inputs = match v.get("inputs") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .ok_or("\"inputs\" must be a list")?
                .iter()
                .map(parse_tensor)
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Command {
            load,
            inputs,
            keep: v.get("keep").and_then(Value::as_str).map(String::from),
            drop_kept: v.get("drop").and_then(Value::as_bool).unwrap_or(false),
            repeat: v.get("repeat").and_then(Value::as_u64).unwrap_or(1) as u32,
        })
    }
}
