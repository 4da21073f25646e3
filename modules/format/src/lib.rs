//! Sample `format` module (see docs/aio-compatibility.md): a map that turns an image message (JPEG,
//! PNG, GIF, BMP, WebP, or a raw 224×224 RGB24 frame) into a 224×224 `rgb24` snapshot.
wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::map;
use operator_logic::format::{is_target, to_rgb24, Frame, FORMAT, SIDE};
use wasm_graph::processor::types::{
    BufferOrBytes, BufferOrString, DataModel, Error, ModuleConfiguration, Snapshot,
};

const CONTEXT: &str = "module-format/map";

struct Format;

impl map::Guest for Format {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// A snapshot already rgb24 224×224 comes back as is; otherwise the payload (or frame) is
    /// decoded and resized, or wrapped unchanged when it is a raw frame of the right size.
    fn process(input: DataModel) -> Result<DataModel, Error> {
        glue::count_request(CONTEXT);
        let (timestamp, bytes) = match input {
            DataModel::Message(m) => (m.timestamp, m.payload),
            DataModel::Snapshot(s) => {
                if is_target(&glue::read_string(&s.format), s.width, s.height) {
                    return Ok(DataModel::Snapshot(s));
                }
                (s.timestamp, s.frame)
            }
            DataModel::BufferOrBytes(_) => {
                return Err(glue::error("format expects a message or a snapshot"))
            }
        };
        let frame = match to_rgb24(&glue::read_bytes(&bytes)).map_err(glue::error)? {
            Frame::Raw => bytes,
            Frame::Decoded(pixels) => BufferOrBytes::Bytes(pixels),
        };
        Ok(DataModel::Snapshot(Snapshot {
            timestamp,
            format: BufferOrString::String(FORMAT.into()),
            width: SIDE,
            height: SIDE,
            frame,
        }))
    }
}

export!(Format);
