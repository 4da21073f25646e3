//! Sample `humidity` module (see docs/aio-compatibility.md): an accumulate operator that folds the
//! humidity readings of one window into count/max/min/average/last.
wit_bindgen::generate!({
    world: "accumulate-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::accumulate;
use wasm_graph::processor::types::{DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-humidity/accumulate";

struct Humidity;

impl accumulate::Guest for Humidity {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// Output: the staged message with payload
    /// `{"humidity":{"count":N,"max":…,"min":…,"average":…,"last":…}}` (numbers in Rust
    /// `Display` form), the newest input's timestamp and the last input's topic.
    fn process(staged: DataModel, inputs: Vec<DataModel>) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        glue::accumulate_messages(
            staged,
            inputs,
            "humidity",
            operator_logic::accumulate_humidity,
        )
    }
}

export!(Humidity);
