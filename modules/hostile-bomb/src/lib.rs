//! Test fixture for Weir's isolation (not an AIO sample): a map that, when the payload
//! contains `bomb`, keeps allocating (and touching) 1 MiB blocks until allocation fails — an
//! abort, i.e. a trap, once linear memory cannot grow (the host's cap or wasm32's 4 GiB).
//! Every other message is echoed unchanged.
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::map;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, ModuleConfiguration};

const BLOCK: usize = 1 << 20;

struct HostileBomb;

impl map::Guest for HostileBomb {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    fn process(message: DataModel) -> Result<DataModel, Error> {
        if let DataModel::Message(m) = &message {
            let payload = match &m.payload {
                BufferOrBytes::Buffer(b) => b.read(),
                BufferOrBytes::Bytes(b) => b.clone(),
            };
            if payload.windows(4).any(|w| w == b"bomb") {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut block = vec![0u8; BLOCK];
                    // Touch every page so the memory is really used.
                    for i in (0..BLOCK).step_by(4096) {
                        block[i] = (hoard.len() as u8).wrapping_add(1);
                    }
                    hoard.push(std::hint::black_box(block));
                }
            }
        }
        Ok(message)
    }
}

export!(HostileBomb);
