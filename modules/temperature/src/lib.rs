//! Sample `temperature` module (see docs/aio-compatibility.md) for wasm-graph:processor@1.1.0: one
//! component exporting the map, filter, branch and accumulate operators.
use std::sync::Mutex;

use operator_logic::{accumulate_temperatures, is_temperature, Bounds};

wit_bindgen::generate!({
    // A world of our own that exports just the four operators this module implements.
    inline: r#"
        package weir:temperature;
        world temperature {
            include wasm-graph:processor/map-impl@1.1.0;
            include wasm-graph:processor/filter-impl@1.1.0;
            include wasm-graph:processor/branch-impl@1.1.0;
            include wasm-graph:processor/accumulate-impl@1.1.0;
        }
    "#,
    path: "../../wit/wasm-graph",
    // The world lives in another package than the interfaces: generate those too.
    generate_all,
});

/// The ABI map_glue.rs is compiled against.
mod abi {
    pub use crate::wasm_graph::processor::{logger, metrics, types};
}
#[path = "../../shared/glue.rs"]
mod glue;
mod map_glue;

use exports::wasm_graph::processor::{accumulate, branch, filter, map};
use map_glue::{label, read_bytes};
use wasm_graph::processor::hybrid_logical_clock::HybridLogicalClock;
use wasm_graph::processor::logger::{self, Level};
use wasm_graph::processor::metrics::{self, CounterValue};
use wasm_graph::processor::types::{DataModel, Error, ModuleConfiguration};

struct Temperature;

fn error(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
    }
}

fn count_request(module: &str) {
    let _ = metrics::add_to_counter(
        "requests",
        CounterValue::U64(1),
        Some(&[label("module", module)]),
    );
}

impl map::Guest for Temperature {
    fn init(configuration: ModuleConfiguration) -> bool {
        map_glue::init(configuration)
    }
    fn process(message: DataModel) -> Result<DataModel, Error> {
        map_glue::process(message).map_err(error)
    }
}

// Set by filter init; one component instance serves one graph operation.
static BOUNDS: Mutex<Option<Bounds>> = Mutex::new(None);

impl filter::Guest for Temperature {
    fn init(configuration: ModuleConfiguration) -> bool {
        match Bounds::from_properties(&configuration.properties) {
            Ok(bounds) => {
                logger::log(
                    Level::Info,
                    "module-temperature/filter",
                    &format!("{bounds:?}"),
                );
                *BOUNDS.lock().unwrap() = Some(bounds);
                true
            }
            Err(e) => {
                logger::log(Level::Error, "module-temperature/filter", &e);
                false
            }
        }
    }
    fn process(message: DataModel) -> Result<bool, Error> {
        count_request("module-temperature/filter");
        let DataModel::Message(message) = message else {
            return Err(error("temperature filter expects a message"));
        };
        // Defaults when init was skipped: the sample that panicked here (PR #175) is history.
        let bounds = BOUNDS.lock().unwrap().unwrap_or_default();
        Ok(bounds.passes(&read_bytes(&message.payload)))
    }
}

impl branch::Guest for Temperature {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }
    fn process(_timestamp: HybridLogicalClock, message: DataModel) -> Result<bool, Error> {
        count_request("module-temperature/branch");
        let DataModel::Message(message) = message else {
            return Err(error("temperature branch expects a message"));
        };
        is_temperature(&read_bytes(&message.payload)).map_err(error)
    }
}

impl accumulate::Guest for Temperature {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }
    /// Output: the staged message with payload
    /// `{"temperature":{"count":N,"max":…,"min":…,"average":…,"last":…,"unit":"C"}}` (numbers
    /// in Rust `Display` form, as in the sample: the collection accumulator re-serializes
    /// them as `1695.0`), the newest input's timestamp and the last input's topic.
    fn process(staged: DataModel, inputs: Vec<DataModel>) -> Result<DataModel, Error> {
        count_request("module-temperature/accumulate");
        glue::accumulate_messages(staged, inputs, "temperature", accumulate_temperatures)
    }
}

export!(Temperature);
