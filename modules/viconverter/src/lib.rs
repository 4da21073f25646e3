//! Sample `viconverter` module (see docs/aio-compatibility.md): flattens an Azure AI Video Indexer
//! detection document into one row per detected instance, in input order (case T22).
use serde::{Deserialize, Serialize};

wit_bindgen::generate!({
    world: "map-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::map::Guest;
use wasm_graph::processor::types::{BufferOrBytes, DataModel, Error, Message, ModuleConfiguration};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Instance {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    start: f64,
    end: f64,
    start_time: String,
    end_time: String,
    confidence: f32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detection {
    #[serde(rename = "Id")]
    id: String,
    insight_name: String,
    model_type: String,
    instances: Vec<Instance>,
}

#[derive(Deserialize)]
struct Document {
    id: u64,
    height: u32,
    width: u32,
    detections: Vec<Detection>,
}

// Field order is the serialization order the case compares byte for byte.
#[derive(Serialize)]
struct Row<'a> {
    id: u64,
    frame_width: u32,
    frame_height: u32,
    detection_id: &'a str,
    insight_name: &'a str,
    model_type: &'a str,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    start: f64,
    end: f64,
    start_time: &'a str,
    end_time: &'a str,
    confidence: f32,
}

fn flatten(doc: &Document) -> Vec<Row<'_>> {
    doc.detections
        .iter()
        .flat_map(|d| {
            d.instances.iter().map(move |i| Row {
                id: doc.id,
                frame_width: doc.width,
                frame_height: doc.height,
                detection_id: &d.id,
                insight_name: &d.insight_name,
                model_type: &d.model_type,
                x: i.x,
                y: i.y,
                width: i.width,
                height: i.height,
                start: i.start,
                end: i.end,
                start_time: &i.start_time,
                end_time: &i.end_time,
                confidence: i.confidence,
            })
        })
        .collect()
}

struct Viconverter;

impl Guest for Viconverter {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// Like the sample, a non-message or a payload that is not the expected JSON panics (traps).
    fn process(input: DataModel) -> Result<DataModel, Error> {
        let DataModel::Message(message) = input else {
            panic!("viconverter: expected a message");
        };
        let bytes = match &message.payload {
            BufferOrBytes::Buffer(b) => b.read(),
            BufferOrBytes::Bytes(b) => b.clone(),
        };
        let doc: Document = serde_json::from_slice(&bytes).expect("viconverter: invalid detection JSON");
        let rows = serde_json::to_vec(&flatten(&doc)).expect("rows serialize");
        Ok(DataModel::Message(Message { payload: BufferOrBytes::Bytes(rows), ..message }))
    }
}

export!(Viconverter);
