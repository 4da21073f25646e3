//! Test fixture for Weir's isolation (not an AIO sample): a map that never returns when the
//! payload contains `spin`, and echoes every other message unchanged.
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::map;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

struct HostileSpin;

impl map::Guest for HostileSpin {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    fn process(message: DataModel) -> Result<DataModel, Error> {
        if let DataModel::Message(m) = &message {
            let payload = match &m.payload {
                BufferOrBytes::Buffer(b) => b.read(),
                BufferOrBytes::Bytes(b) => b.clone(),
            };
            if payload.windows(4).any(|w| w == b"spin") {
                // A busy loop the optimizer cannot remove: only a deadline stops it.
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
        }
        Ok(message)
    }
}

export!(HostileSpin);
