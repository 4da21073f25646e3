"""py-branch: temperature vs. other readings, the behaviour of AIO's Python branch sample
(compatibility case T25).

* Returns false (arm "False") when the JSON payload has a top-level "temperature" key,
  true (arm "True") for anything else (humidity, …).
* Non-message input or a payload that is not JSON → error (record dropped).

Built for world `branch-impl` of wasm-graph:processor@1.1.0 (see ../README.md).
"""

from wit_world import exports
from wit_world.imports import hybrid_logical_clock, logger, types

import weir_payload as wp

CONTEXT = "py-branch"


class Branch(exports.Branch):
    def init(self, configuration: types.ModuleConfiguration) -> bool:
        logger.log(logger.Level.INFO, CONTEXT, "init")
        return True

    def process(self, timestamp: hybrid_logical_clock.HybridLogicalClock,
                message: types.DataModel) -> bool:
        document = wp.payload_json(wp.message_of(message))
        arm = not (isinstance(document, dict) and "temperature" in document)
        logger.log(logger.Level.DEBUG, CONTEXT, f"arm {arm}")
        return arm
