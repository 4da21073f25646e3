"""py-map: Fahrenheit → Celsius, the behaviour of AIO's Python map sample (compatibility case T23).

`{"temperature":{"value":1209,"unit":"F"}}` → `{"temperature": {"value": 654, "unit": "C"}}`

* Only messages are accepted (snapshots / raw bytes → error, record dropped).
* When `temperature.value` is a JSON integer and the unit is "F", the value becomes
  round((v − 32) × 5/9) and the unit "C"; the payload is re-serialised with Python's
  `json.dumps` defaults (a space after `:` and `,`, key order kept).
* Anything else (float values, unit C, other payloads) passes through byte-for-byte.
  AIO's sample converts integer values whatever their unit; we leave unit "C" alone.

Built for world `map-impl` of wasm-graph:processor@1.1.0 (see ../README.md).
"""

import json

from wit_world import exports
from wit_world.imports import logger, types

import weir_payload as wp

CONTEXT = "py-map"


class Map(exports.Map):
    def init(self, configuration: types.ModuleConfiguration) -> bool:
        keys = ", ".join(key for key, _ in configuration.properties) or "none"
        logger.log(logger.Level.INFO, CONTEXT, f"init (properties: {keys})")
        return True

    def process(self, message: types.DataModel) -> types.DataModel:
        msg = wp.message_of(message)
        document = wp.payload_json(msg)
        temperature = wp.temperature_of(document)
        if temperature is None:
            return message  # payload untouched (the buffer can be handed back as it is)
        value = temperature.get("value")
        unit = str(temperature.get("unit", "")).upper()
        if isinstance(value, int) and not isinstance(value, bool) and unit == "F":
            temperature["value"] = round(wp.fahrenheit_to_celsius(value))
            temperature["unit"] = "C"
            msg.payload = types.BufferOrBytes_Bytes(json.dumps(document).encode("utf-8"))
        return message
