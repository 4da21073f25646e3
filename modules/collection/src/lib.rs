//! Sample `collection` module (see docs/aio-compatibility.md): an accumulate operator that merges the
//! per-window temperature, humidity and object results meeting at the concatenate node into
//! one `{"sensor_data":{"temperature":[…],"humidity":[…],"object":[…]}}` message.
wit_bindgen::generate!({
    world: "accumulate-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::accumulate;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-collection/accumulate";

struct Collection;

impl accumulate::Guest for Collection {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// Inputs are message payloads or snapshot frames, each one measurement. The output keeps
    /// the staged message's topic and timestamp (the host's default for the window).
    fn process(staged: DataModel, inputs: Vec<DataModel>) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut out) = staged else {
            return Err(glue::error("staged value is not a message"));
        };
        let mut payloads = Vec::with_capacity(inputs.len());
        for input in &inputs {
            payloads.push(match input {
                DataModel::Message(m) => glue::read_bytes(&m.payload),
                DataModel::Snapshot(s) => glue::read_bytes(&s.frame),
                DataModel::BufferOrBytes(_) => {
                    return Err(glue::error("collection expects messages or snapshots"))
                }
            });
        }
        let payload =
            operator_logic::collection::collect(&glue::read_bytes(&out.payload), &payloads)
                .map_err(glue::error)?;
        out.payload = BufferOrBytes::Bytes(payload);
        Ok(DataModel::Message(out))
    }
}

export!(Collection);
