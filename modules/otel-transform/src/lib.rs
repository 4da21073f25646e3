//! Sample `otel-transform` module (see docs/aio-compatibility.md): a map that turns a JSON payload
//! into `{"metrics":[{"name","value","metric_type","unit","timestamp","attributes"}]}`.
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::map;
use operator_logic::otel::{transform, TransformConfig};
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-otel-transform/map";

static CONFIG: Mutex<Option<TransformConfig>> = Mutex::new(None);

struct OtelTransform;

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

impl map::Guest for OtelTransform {
    fn init(configuration: ModuleConfiguration) -> bool {
        let config = TransformConfig::from_properties(&configuration.properties);
        if config.metric_value_path.is_none() {
            // Like the sample: not an init failure, but every message will trap.
            glue::log(Level::Error, CONTEXT, "metricValuePath is not configured");
        }
        glue::log(Level::Info, CONTEXT, &format!("{config:?}"));
        *CONFIG.lock().unwrap() = Some(config);
        true
    }

    /// Attributes come from `otel/*` user properties. A payload that is not JSON passes
    /// unchanged; a missing `metricValuePath` (or no metric name at all) traps.
    fn process(message: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(mut m) = message else {
            return Err(glue::error("otel-transform expects a message"));
        };
        let config = CONFIG.lock().unwrap().clone().unwrap_or_default();
        let props = glue::user_properties(&m);
        if let Some(payload) = transform(&glue::read_bytes(&m.payload), &config, &props, now_nanos)
        {
            m.payload = BufferOrBytes::Bytes(payload);
        }
        Ok(DataModel::Message(m))
    }
}

export!(OtelTransform);
