//! The schema-registry scenario's `filter` module (see docs/aio-compatibility.md): passes a message iff
//! its payload is JSON valid against the first schema in `module-schemas` (draft-07 subset, see
//! operator_logic::schema). Without a schema `init` returns false (T10b).
//! Weir's runner hands it the scenario's schema file (`--schema`, or TK_SCHEMA_CONFIG_PATH in the
//! samples' hostapp.env.list) as the first `module-schemas` entry.
use std::sync::Mutex;

wit_bindgen::generate!({
    world: "filter-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::filter;
use operator_logic::schema::Schema;
use wasm_graph::processor::logger::Level;
use wasm_graph::processor::types::{DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "filter";

static SCHEMA: Mutex<Option<Schema>> = Mutex::new(None);

struct SchemaFilter;

impl filter::Guest for SchemaFilter {
    fn init(configuration: ModuleConfiguration) -> bool {
        let Some(first) = configuration.module_schemas.first() else {
            glue::log(Level::Error, CONTEXT, "no module schema configured");
            return false;
        };
        match Schema::compile(&first.content) {
            Ok(schema) => {
                glue::log(
                    Level::Info,
                    CONTEXT,
                    &format!("schema {:?} ({})", first.name, first.content_type),
                );
                *SCHEMA.lock().unwrap() = Some(schema);
                true
            }
            Err(e) => {
                glue::log(
                    Level::Error,
                    CONTEXT,
                    &format!("schema {:?}: {e}", first.name),
                );
                false
            }
        }
    }

    fn process(message: DataModel) -> Result<bool, Error> {
        glue::count_request(CONTEXT);
        let DataModel::Message(m) = message else {
            return Err(glue::error("filter expects a message"));
        };
        let guard = SCHEMA.lock().unwrap();
        let schema = guard
            .as_ref()
            .ok_or_else(|| glue::error("no schema: init did not succeed"))?;
        Ok(schema.accepts(&glue::read_bytes(&m.payload)))
    }
}

export!(SchemaFilter);
