//! Sample `snapshot` module (see docs/aio-compatibility.md) for wasm-graph:processor@1.1.0: a
//! branch that routes image messages, a map that classifies a 224×224 RGB24 snapshot with an
//! embedded ImageNet model through wasi-nn, and an accumulate that lists a window's detections.
use std::sync::Mutex;

use operator_logic::imagenet::{FORMAT, FRAME_LEN, SIDE};
use operator_logic::objects::{accumulate_objects, object_payload};

wit_bindgen::generate!({
    inline: r#"
        package weir:snapshot;
        world snapshot {
            include wasm-graph:processor/map-impl@1.1.0;
            include wasm-graph:processor/branch-impl@1.1.0;
            include wasm-graph:processor/accumulate-impl@1.1.0;
            include wasi:nn/ml@0.2.0-rc-2024-10-28;
        }
    "#,
    path: ["../../wit/wasm-graph", "../../wit/wasi-nn"],
    generate_all,
});

mod classifier;
#[path = "../../shared/glue.rs"]
mod glue;

use exports::wasm_graph::processor::{accumulate, branch, map};
use wasm_graph::processor::hybrid_logical_clock::HybridLogicalClock;
use wasm_graph::processor::types::{
    BufferOrBytes, DataModel, Error, ModuleConfiguration, Snapshot,
};

struct SnapshotModule;

const TOPIC_PARAMETER: &str = "snapshot_topic";
// Set by branch init; one component instance serves one graph operation.
static SNAPSHOT_TOPIC: Mutex<Option<String>> = Mutex::new(None);

impl branch::Guest for SnapshotModule {
    fn init(configuration: ModuleConfiguration) -> bool {
        let topic = configuration
            .properties
            .into_iter()
            .find(|(k, _)| k == TOPIC_PARAMETER)
            .map(|(_, v)| v);
        *SNAPSHOT_TOPIC.lock().unwrap() = topic;
        true
    }

    /// Snapshots always take the true arm; messages only when they came on the configured topic.
    fn process(_timestamp: HybridLogicalClock, input: DataModel) -> Result<bool, Error> {
        glue::count_request("module-snapshot/branch");
        match input {
            DataModel::Message(m) => {
                let topic = SNAPSHOT_TOPIC.lock().unwrap();
                Ok(topic
                    .as_deref()
                    .is_some_and(|t| glue::read_bytes(&m.topic) == t.as_bytes()))
            }
            DataModel::Snapshot(_) => Ok(true),
            DataModel::BufferOrBytes(_) => Err(glue::error(
                "snapshot branch expects a message or a snapshot",
            )),
        }
    }
}

impl map::Guest for SnapshotModule {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// Replaces the frame by `{"object":{"result":"<top-1 label>"}}`; the rest stays.
    fn process(input: DataModel) -> Result<DataModel, Error> {
        glue::count_request("module-snapshot/map");
        let DataModel::Snapshot(snapshot) = input else {
            return Err(glue::error("object detection expects a snapshot"));
        };
        let frame = glue::read_bytes(&snapshot.frame);
        let format = glue::read_string(&snapshot.format);
        if format != FORMAT
            || snapshot.width != SIDE
            || snapshot.height != SIDE
            || frame.len() != FRAME_LEN
        {
            return Err(glue::error(format!(
                "object detection expects a {SIDE}x{SIDE} {FORMAT} snapshot, got {format} {}x{} with {} bytes",
                snapshot.width,
                snapshot.height,
                frame.len()
            )));
        }
        let label = classifier::label_of(&frame).map_err(glue::error)?;
        Ok(DataModel::Snapshot(Snapshot {
            frame: BufferOrBytes::Bytes(object_payload(&label)),
            ..snapshot
        }))
    }
}

impl accumulate::Guest for SnapshotModule {
    fn init(_configuration: ModuleConfiguration) -> bool {
        true
    }

    /// The staged message gets the window's distinct detections as its payload.
    fn process(staged: DataModel, inputs: Vec<DataModel>) -> Result<DataModel, Error> {
        glue::count_request("module-snapshot/accumulate");
        let DataModel::Message(mut out) = staged else {
            return Err(glue::error("staged value is not a message"));
        };
        if inputs.is_empty() {
            return Ok(DataModel::Message(out));
        }
        let mut frames = Vec::with_capacity(inputs.len());
        for input in inputs {
            let DataModel::Snapshot(s) = input else {
                return Err(glue::error("snapshot accumulate expects snapshots"));
            };
            frames.push(glue::read_bytes(&s.frame));
        }
        let views: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let payload =
            accumulate_objects(&glue::read_bytes(&out.payload), &views).map_err(glue::error)?;
        out.payload = BufferOrBytes::Bytes(payload);
        Ok(DataModel::Message(out))
    }
}

export!(SnapshotModule);
