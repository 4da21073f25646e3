//! Test fixture for Weir's tenant limits (not an AIO sample): a map whose payload is a command
//! that abuses the host's metrics or state store. The output payload says what the module saw,
//! so tests can check both the host's state and the answers the module got.
//!
//! Commands (payload text):
//! - `gateway`: writes the gateway's own metric names, as counter and histogram, with `graph`,
//!   `operation` and `dataflow` labels of its own;
//! - `kinds`: uses one name as a counter, then as a histogram;
//! - `series:N`: creates N counter series (one label value each);
//! - `state:N:SIZE`: writes N keys of SIZE bytes, stopping at the first error;
//! - anything else: echoed unchanged.
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::map;
use wasm_graph::processor::metrics::{self, CounterValue, HistogramValue, Label, MetricsError};
use wasm_graph::processor::state_store;
use wasm_graph::processor::state_store_types::{SetConditions, SetOptions, StateStoreError};
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

struct HostileTenant;

fn label(key: &str, value: &str) -> Label {
    Label {
        key: key.into(),
        value: value.into(),
    }
}

fn metric_answer(r: Result<(), MetricsError>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(MetricsError::IncompatibleType(m)) => format!("incompatible-type: {m}"),
        Err(MetricsError::LockError(m)) => format!("lock-error: {m}"),
    }
}

fn store_answer(e: StateStoreError) -> String {
    match e {
        StateStoreError::RequestError(m) => format!("request-error: {m}"),
        StateStoreError::Timeout => "timeout".into(),
        StateStoreError::Protocol => "protocol".into(),
        StateStoreError::Internal => "internal".into(),
    }
}

fn gateway_names() -> String {
    let spoofed = [
        label("graph", "evil"),
        label("operation", "evil"),
        label("dataflow", "evil"),
    ];
    let a = metrics::add_to_counter(
        "weir_messages_published_total",
        CounterValue::U64(1000),
        Some(&spoofed),
    );
    let b = metrics::record_to_histogram(
        "weir_dead_letters_total",
        HistogramValue::F64(1.0),
        Some(&spoofed),
    );
    let c = metrics::record_to_histogram(
        "weir_messages_published_total",
        HistogramValue::F64(1.0),
        None,
    );
    format!(
        "counter={} histogram={} clash={}",
        metric_answer(a),
        metric_answer(b),
        metric_answer(c)
    )
}

fn kinds() -> String {
    let a = metrics::add_to_counter("dual", CounterValue::U64(1), None);
    let b = metrics::record_to_histogram("dual", HistogramValue::F64(1.0), None);
    format!("counter={} histogram={}", metric_answer(a), metric_answer(b))
}

fn series(n: u32) -> String {
    let mut ok = 0;
    for i in 0..n {
        let labels = [label("i", &i.to_string())];
        if metrics::add_to_counter("wide", CounterValue::U64(1), Some(&labels)).is_ok() {
            ok += 1;
        }
    }
    format!("ok={ok}")
}

fn state(n: u32, size: usize) -> String {
    let value = vec![b'x'; size];
    let options = || SetOptions {
        conditions: SetConditions::Unconditional,
        expires: None,
    };
    for i in 0..n {
        let key = format!("k{i}");
        if let Err(e) = state_store::set(key.as_bytes(), &value, None, None, options()) {
            return format!("written={i} error={}", store_answer(e));
        }
    }
    format!("written={n}")
}

fn run(command: &str) -> Option<String> {
    let parts: Vec<&str> = command.split(':').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    match parts[0] {
        "gateway" => Some(gateway_names()),
        "kinds" => Some(kinds()),
        "series" => Some(series(num(1))),
        "state" => Some(state(num(1), num(2) as usize)),
        _ => None,
    }
}

impl map::Guest for HostileTenant {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    fn process(message: DataModel) -> Result<DataModel, Error> {
        let DataModel::Message(mut m) = message else {
            return Ok(message);
        };
        let payload = match &m.payload {
            BufferOrBytes::Buffer(b) => b.read(),
            BufferOrBytes::Bytes(b) => b.clone(),
        };
        if let Some(answer) = run(&String::from_utf8_lossy(&payload)) {
            m.payload = BufferOrBytes::Bytes(answer.into_bytes());
        }
        Ok(DataModel::Message(m))
    }
}

export!(HostileTenant);
