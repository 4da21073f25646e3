//! Sample `opc-ua` module (see docs/aio-compatibility.md): a map that flattens OPC UA
//! `{Tag: {"Value", "SourceTimestamp"}}` payloads into `[{"tag","timestamp","value"}, …]` rows.
use std::sync::Mutex;

wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::map;
use operator_logic::opcua::{flatten, OpcUaConfig};
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{
    BufferOrBytes, BufferOrString, DataModel, Error, ModuleConfiguration,
};

const CONTEXT: &str = "module-opc/map";

static CONFIG: Mutex<Option<OpcUaConfig>> = Mutex::new(None);

struct OpcUa;

impl map::Guest for OpcUa {
    fn init(configuration: ModuleConfiguration) -> bool {
        let config = OpcUaConfig::from_properties(&configuration.properties);
        glue::log(Level::Info, CONTEXT, &format!("{config:?}"));
        *CONFIG.lock().unwrap() = Some(config);
        true
    }

    /// Rows sorted by tag with alphabetical keys; `copy_all` copies the non-tag entries into
    /// every row, `headers` turns user properties into columns. A configured `dataschema`
    /// overwrites an existing `dataschema` user property (never adds one).
    fn process(message: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut m) = message else {
            return Err(glue::error("opc-ua expects a message"));
        };
        let config = CONFIG.lock().unwrap().clone().unwrap_or_default();
        let rows = flatten(
            &glue::read_bytes(&m.payload),
            &config,
            &glue::user_properties(&m),
        )
        .map_err(glue::error)?;
        m.payload = BufferOrBytes::Bytes(rows);
        if let Some(schema) = &config.dataschema {
            for (key, value) in m.properties.user_properties.iter_mut() {
                if glue::read_string(key) == "dataschema" {
                    *value = BufferOrString::String(schema.clone());
                }
            }
        }
        Ok(DataModel::Message(m))
    }
}

export!(OpcUa);
