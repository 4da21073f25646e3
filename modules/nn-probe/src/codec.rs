//! Numbers <-> little-endian tensor bytes, and base64 (no crates needed for either).
use serde_json::{json, Value};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or_else(|| format!("not base64: {:?}", c as char))? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// JSON numbers as tensor bytes of `ty` (fp16 and bf16 take `raw` bytes instead).
pub fn encode_numbers(ty: &str, data: &[f64]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for &x in data {
        match ty {
            "fp32" => out.extend_from_slice(&(x as f32).to_le_bytes()),
            "fp64" => out.extend_from_slice(&x.to_le_bytes()),
            "u8" => out.push(x as u8),
            "i32" => out.extend_from_slice(&(x as i32).to_le_bytes()),
            "i64" => out.extend_from_slice(&(x as i64).to_le_bytes()),
            other => return Err(format!("give {other} tensors as \"raw\" bytes")),
        }
    }
    Ok(out)
}

/// Tensor bytes as JSON numbers, for the types that have a plain JSON form.
pub fn decode_numbers(ty: &str, data: &[u8]) -> Value {
    let list: Vec<Value> = match ty {
        "fp32" => data.chunks_exact(4).map(|c| json!(f32::from_le_bytes(c.try_into().unwrap()))).collect(),
        "fp64" => data.chunks_exact(8).map(|c| json!(f64::from_le_bytes(c.try_into().unwrap()))).collect(),
        "u8" => data.iter().map(|b| json!(b)).collect(),
        "i32" => data.chunks_exact(4).map(|c| json!(i32::from_le_bytes(c.try_into().unwrap()))).collect(),
        "i64" => data.chunks_exact(8).map(|c| json!(i64::from_le_bytes(c.try_into().unwrap()))).collect(),
        _ => return Value::Null,
    };
    Value::Array(list)
}
