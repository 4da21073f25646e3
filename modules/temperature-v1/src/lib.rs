//! The temperature map again, built against the first public ABI (tinykube-graph:processor@1.0.0,
//! where `process` returns a plain value) so the host's 1.0.0 path can be tested (T27).
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/tinykube-graph",
});

/// The ABI the shared map code is compiled against.
mod abi {
    pub use crate::tinykube_graph::processor::{logger, metrics, types};
}
#[path = "../../temperature/src/map_glue.rs"]
mod map_glue;

use exports::tinykube_graph::processor::map;
use tinykube_graph::processor::logger::{self, Level};
use tinykube_graph::processor::types::{DataModel, ModuleConfiguration};

struct TemperatureV1;

impl map::Guest for TemperatureV1 {
    fn init(configuration: ModuleConfiguration) -> bool {
        map_glue::init(configuration)
    }
    /// 1.0.0 has no error channel: like the 0.2 SDK's modules we trap, and the host drops the
    /// message (and re-instantiates the module).
    fn process(message: DataModel) -> DataModel {
        map_glue::process(message).unwrap_or_else(|e| {
            logger::log(Level::Error, map_glue::CONTEXT, &e);
            panic!("{e}")
        })
    }
}

export!(TemperatureV1);
