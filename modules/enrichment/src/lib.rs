//! Sample `enrichment` module (see docs/aio-compatibility.md): a map that flags over-temperature
//! windows in collection's output and keeps the state-store keys `overtemp`,
//! `overtemp_count` (incremented under a lock) and `wet_flag` up to date.
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::map;
use operator_logic::enrichment::{enrich, OUTPUT_TOPIC};
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-enrichment/map";

struct Enrichment;

impl map::Guest for Enrichment {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// Output: the same message (timestamp, user properties) with the unwrapped payload
    /// `{"temperature":[…],"humidity":[…],"object":[…]}`, topic `sensors`, and no schema or
    /// content type. State-store failures are logged; the message still goes out.
    fn process(message: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut m) = message else {
            return Err(glue::error("enrichment expects a message"));
        };
        let out = enrich(&glue::read_bytes(&m.payload), &mut glue::WitKv).map_err(glue::error)?;
        for w in &out.warnings {
            glue::log(Level::Warn, CONTEXT, &format!("state store: {w}"));
        }
        m.payload = BufferOrBytes::Bytes(out.payload);
        m.topic = BufferOrBytes::Bytes(OUTPUT_TOPIC.as_bytes().to_vec());
        m.schema = None;
        m.content_type = None;
        Ok(DataModel::Message(m))
    }
}

export!(Enrichment);
