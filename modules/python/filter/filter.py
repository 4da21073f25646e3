"""py-filter: temperature threshold, the behaviour of AIO's Python filter sample (compatibility case T24).

* Parameter `temperature_threshold` (°C, default 20.0; an unparsable value logs a warning
  and keeps the default).
* A payload {"temperature": {"value": v, "unit": u}} passes iff its value in °C is
  ≥ the threshold (unit "F" is converted first; a missing unit counts as "C").
* Any other JSON payload (humidity, temperature without a value, …) passes.
* Non-message input or a payload that is not JSON → error (record dropped).

Built for world `filter-impl` of wasm-graph:processor@1.1.0 (see ../README.md).
"""

from wit_world import exports
from wit_world.imports import logger, types

import weir_payload as wp

CONTEXT = "py-filter"
DEFAULT_THRESHOLD = 20.0

# Module state lives at module level: componentize-py makes a fresh `Filter()` for every
# exported call, so attributes set on `self` in init() are gone by the time process() runs.
threshold = DEFAULT_THRESHOLD


class Filter(exports.Filter):
    def init(self, configuration: types.ModuleConfiguration) -> bool:
        global threshold
        threshold = DEFAULT_THRESHOLD
        for key, value in configuration.properties:
            if key != "temperature_threshold":
                continue
            try:
                threshold = float(value)
            except ValueError:
                logger.log(logger.Level.WARN, CONTEXT,
                           f"temperature_threshold {value!r} is not a number; using {DEFAULT_THRESHOLD}")
        logger.log(logger.Level.INFO, CONTEXT, f"init: threshold {threshold} °C")
        return True

    def process(self, message: types.DataModel) -> bool:
        temperature = wp.temperature_of(wp.payload_json(wp.message_of(message)))
        if temperature is None or "value" not in temperature:
            return True
        value = temperature["value"]
        if not wp.is_number(value):
            wp.fail(f"temperature value {value!r} is not a number")
        unit = str(temperature.get("unit", "C")).upper()
        celsius = wp.fahrenheit_to_celsius(value) if unit == "F" else value
        return celsius >= threshold
