//! `anomaly` map: scores a JSON sensor payload (`{"temperature":…,"vibration":…,…}`) with a
//! tabular model the host serves through wasi-nn, and adds `anomaly_score` and `anomaly`
//! (score ≥ `threshold`) to it. Parameters: see operator_logic::anomaly::Settings.
use std::sync::Mutex;

use operator_logic::anomaly::{annotate, feature_row, parse_object, Settings};

wit_bindgen::generate!({
    inline: r#"
        package weir:anomaly;
        world anomaly {
            include wasm-graph:processor/map-impl@1.1.0;
            include wasi:nn/ml@0.2.0-rc-2024-10-28;
        }
    "#,
    path: ["../../wit/wasm-graph", "../../wit/wasi-nn"],
    generate_all,
});

#[path = "../../shared/glue.rs"]
mod glue;
mod scorer;

use exports::wasm_graph::processor::map;
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-anomaly/map";
// Set by init; one component instance serves one graph operation.
static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

struct Anomaly;

impl map::Guest for Anomaly {
    fn init(configuration: ModuleConfiguration) -> bool {
        match Settings::from_properties(&configuration.properties) {
            Ok(settings) => {
                glue::log(Level::Info, CONTEXT, &format!("{settings:?}"));
                *SETTINGS.lock().unwrap() = Some(settings);
                true
            }
            Err(e) => {
                glue::log(Level::Error, CONTEXT, &e);
                false
            }
        }
    }

    fn process(input: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut message) = input else {
            return Err(glue::error("anomaly expects a message"));
        };
        let settings = SETTINGS.lock().unwrap().clone().unwrap_or_default();
        let payload = glue::read_bytes(&message.payload);
        let object = parse_object(&payload).map_err(glue::error)?;
        let row = feature_row(&object, &settings).map_err(glue::error)?;
        let score =
            scorer::score(&settings.model, &settings.input_name, &row).map_err(glue::error)?;
        message.payload =
            BufferOrBytes::Bytes(annotate(&payload, &object, score, settings.threshold));
        Ok(DataModel::Message(message))
    }
}

export!(Anomaly);
