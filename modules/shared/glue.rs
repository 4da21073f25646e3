//! Binding glue shared by the wasm-graph:processor@1.1.0 modules, compiled into each crate with
//! `#[path = "../../shared/glue.rs"] mod glue;` (it refers to `crate::wasm_graph`, the bindings
//! that crate's `wit_bindgen::generate!` made). Each crate uses only part of it.
#![allow(dead_code)]

use crate::wasm_graph::processor::hybrid_logical_clock::HybridLogicalClock;
use crate::wasm_graph::processor::logger::{self, Level};
use crate::wasm_graph::processor::metrics::{self, CounterValue, Label};
use crate::wasm_graph::processor::state_store;
use crate::wasm_graph::processor::state_store_types::{
    Duration, SetConditions, SetOptions, StateStoreError,
};
use crate::wasm_graph::processor::types::{
    BufferOrBytes, BufferOrString, DataModel, Error, Message, Timestamp,
};
use operator_logic::kv::{Condition, Kv};
use operator_logic::TimeKey;

pub fn error(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
    }
}

/// The host usually hands bytes over as a `buffer` handle; modules may return plain bytes.
pub fn read_bytes(b: &BufferOrBytes) -> Vec<u8> {
    match b {
        BufferOrBytes::Buffer(buffer) => buffer.read(),
        BufferOrBytes::Bytes(bytes) => bytes.clone(),
    }
}

pub fn read_string(s: &BufferOrString) -> String {
    match s {
        BufferOrString::Buffer(buffer) => String::from_utf8_lossy(&buffer.read()).into_owned(),
        BufferOrString::String(s) => s.clone(),
    }
}

/// A message's user properties as text.
pub fn user_properties(m: &Message) -> Vec<(String, String)> {
    m.properties
        .user_properties
        .iter()
        .map(|(k, v)| (read_string(k), read_string(v)))
        .collect()
}

pub fn time_key(t: &Timestamp) -> TimeKey {
    (t.timestamp.secs, t.timestamp.nanos, t.counter)
}

pub fn log(level: Level, context: &str, message: &str) {
    logger::log(level, context, message);
}

/// The samples' per-call counter `requests{module=<operation>}`; best effort.
pub fn count_request(module: &str) {
    let labels = [Label {
        key: "module".into(),
        value: module.into(),
    }];
    let _ = metrics::add_to_counter("requests", CounterValue::U64(1), Some(&labels));
}

/// Runs a temperature/humidity fold over message inputs. The output is the staged message
/// with the new payload, the timestamp of the newest input (by timestamp, then counter) and
/// the topic of the last input.
pub fn accumulate_messages(
    staged: DataModel,
    inputs: Vec<DataModel>,
    what: &str,
    fold: impl FnOnce(&[u8], &[(TimeKey, &[u8])]) -> Result<(Vec<u8>, usize), String>,
) -> Result<DataModel, Error> {
    let DataModel::Message(mut out) = staged else {
        return Err(error("staged value is not a message"));
    };
    let mut messages = Vec::with_capacity(inputs.len());
    let mut payloads = Vec::with_capacity(inputs.len());
    for input in inputs {
        let DataModel::Message(m) = input else {
            return Err(error(format!("{what} accumulate expects messages")));
        };
        payloads.push((time_key(&m.timestamp), read_bytes(&m.payload)));
        messages.push(m);
    }
    if messages.is_empty() {
        return Ok(DataModel::Message(out));
    }
    let view: Vec<(TimeKey, &[u8])> = payloads.iter().map(|(k, p)| (*k, p.as_slice())).collect();
    let (payload, newest) = fold(&read_bytes(&out.payload), &view).map_err(error)?;
    let mut last = messages.pop().expect("not empty");
    out.topic = std::mem::replace(&mut last.topic, BufferOrBytes::Bytes(Vec::new()));
    out.timestamp = if newest == messages.len() {
        last.timestamp
    } else {
        messages.swap_remove(newest).timestamp
    };
    out.payload = BufferOrBytes::Bytes(payload);
    Ok(DataModel::Message(out))
}

/// The WIT state store as a [`Kv`]: no timeouts, errors as text.
pub struct WitKv;

fn store_error(e: StateStoreError) -> String {
    match e {
        StateStoreError::RequestError(m) => format!("request-error: {m}"),
        StateStoreError::Timeout => "timeout".into(),
        StateStoreError::Protocol => "protocol".into(),
        StateStoreError::Internal => "internal".into(),
    }
}

impl Kv for WitKv {
    type Token = HybridLogicalClock;

    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        state_store::get(key.as_bytes(), None)
            .map(|r| r.response)
            .map_err(store_error)
    }

    fn set(
        &mut self,
        key: &str,
        value: &[u8],
        fencing: Option<&HybridLogicalClock>,
        condition: Condition,
        expires_ms: Option<u64>,
    ) -> Result<(bool, Option<HybridLogicalClock>), String> {
        let options = SetOptions {
            conditions: match condition {
                Condition::OnlyIfDoesNotExist => SetConditions::OnlyIfDoesNotExist,
                Condition::OnlyIfEqualOrDoesNotExist => SetConditions::OnlyIfEqualOrDoesNotExist,
                Condition::Unconditional => SetConditions::Unconditional,
            },
            expires: expires_ms.map(|ms| Duration {
                seconds: ms / 1000,
                nanos: ((ms % 1000) * 1_000_000) as u32,
            }),
        };
        state_store::set(key.as_bytes(), value, None, fencing, options)
            .map(|r| (r.response, r.version))
            .map_err(store_error)
    }

    fn del(&mut self, key: &str) -> Result<i64, String> {
        state_store::del(key.as_bytes(), None, None)
            .map(|r| r.response)
            .map_err(store_error)
    }

    fn vdel(&mut self, key: &str, value: &[u8]) -> Result<i64, String> {
        state_store::vdel(key.as_bytes(), value, None, None)
            .map(|r| r.response)
            .map_err(store_error)
    }
}
