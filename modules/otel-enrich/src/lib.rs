//! Sample `otel-enrich` module (see docs/aio-compatibility.md): a map that appends the state-store
//! values of the configured `enrichKeys` as `otel/<key>` user properties.
use std::sync::Mutex;

wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::map;
use operator_logic::otel::{enrich_properties, parse_enrich_keys, OUTPUT_TOPIC};
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{
    BufferOrBytes, BufferOrString, DataModel, Error, ModuleConfiguration,
};

const CONTEXT: &str = "module-otel-enrich/map";

/// `None` = `enrichKeys` not configured: messages pass completely unchanged.
static KEYS: Mutex<Option<Vec<String>>> = Mutex::new(None);

struct OtelEnrich;

impl map::Guest for OtelEnrich {
    fn init(configuration: ModuleConfiguration) -> bool {
        let keys = configuration
            .properties
            .iter()
            .rev()
            .find(|(k, _)| k == "enrichKeys")
            .map(|(_, v)| parse_enrich_keys(v));
        glue::log(Level::Info, CONTEXT, &format!("enrichKeys {keys:?}"));
        *KEYS.lock().unwrap() = keys;
        true
    }

    /// Payload untouched; topic becomes `sensors`; missing keys and store errors are skipped.
    fn process(message: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut m) = message else {
            return Err(glue::error("otel-enrich expects a message"));
        };
        let Some(keys) = KEYS.lock().unwrap().clone() else {
            return Ok(DataModel::Message(m));
        };
        let (props, warnings) = enrich_properties(&keys, &mut glue::WitKv);
        for w in &warnings {
            glue::log(Level::Warn, CONTEXT, &format!("state store: {w}"));
        }
        m.properties.user_properties.extend(
            props
                .into_iter()
                .map(|(k, v)| (BufferOrString::String(k), BufferOrString::String(v))),
        );
        m.topic = BufferOrBytes::Bytes(OUTPUT_TOPIC.as_bytes().to_vec());
        Ok(DataModel::Message(m))
    }
}

export!(OtelEnrich);
