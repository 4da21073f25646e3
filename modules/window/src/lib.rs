//! Sample `window` module (see docs/aio-compatibility.md): a delay operator that moves every record to
//! the end of its 10-second tumbling window, so a following accumulate sees one logical time
//! per window.
wit_bindgen::generate!({
    world: "delay-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::delay;
use wasm_graph::processor::hybrid_logical_clock::{HybridLogicalClock, Timespec};
use wasm_graph::processor::logger::{self, Level};
use wasm_graph::processor::metrics::{self, CounterValue, Label};
use wasm_graph::processor::types::{DataModel, Error, ModuleConfiguration};

const CONTEXT: &str = "module-window/delay";

struct Window;

impl delay::Guest for Window {
    fn init(_configuration: ModuleConfiguration) -> bool {
        // The window size is fixed (the sample README's "configurable" never was).
        logger::log(
            Level::Info,
            CONTEXT,
            &format!("window {} ms", operator_logic::WINDOW_MS),
        );
        true
    }

    /// Like the sample, windows follow the data's own timestamp when it has one; the HLC
    /// argument only supplies the node id (and the time for bare buffer-or-bytes records).
    fn process(
        data: DataModel,
        timestamp: HybridLogicalClock,
    ) -> Result<HybridLogicalClock, Error> {
        let labels = [Label {
            key: "module".into(),
            value: CONTEXT.into(),
        }];
        let _ = metrics::add_to_counter("requests", CounterValue::U64(1), Some(&labels));
        let time = match &data {
            DataModel::Message(m) => m.timestamp.timestamp,
            DataModel::Snapshot(s) => s.timestamp.timestamp,
            DataModel::BufferOrBytes(_) => timestamp.timestamp,
        };
        let (secs, nanos) = operator_logic::window_end(time.secs, time.nanos);
        Ok(HybridLogicalClock {
            timestamp: Timespec { secs, nanos },
            counter: 0,
            ..timestamp
        })
    }
}

export!(Window);
