//! Test fixture for Weir's trap recovery (not an AIO sample; case T28): a filter that panics
//! (traps) on every 2nd call since `init` and passes every other record. A host that
//! re-instantiates after a trap re-runs `init`, so calls 1, 3, 5… of each instance pass.
use std::sync::atomic::{AtomicU64, Ordering};

wit_bindgen::generate!({
    world: "filter-impl",
    path: "../../wit/wasm-graph",
});

use exports::wasm_graph::processor::filter;
use wasm_graph::processor::types::{DataModel, Error, ModuleConfiguration};

static CALLS: AtomicU64 = AtomicU64::new(0);

struct HostileFlaky;

impl filter::Guest for HostileFlaky {
    fn init(_configuration: ModuleConfiguration) -> bool {
        CALLS.store(0, Ordering::SeqCst);
        true
    }

    fn process(_message: DataModel) -> Result<bool, Error> {
        let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
        if n.is_multiple_of(2) {
            panic!("hostile-flaky: call {n} since init");
        }
        Ok(true)
    }
}

export!(HostileFlaky);
