"""Helpers shared by Weir's Python operator modules (map, filter, branch).

The host hands payloads and topics over as `buffer` resource handles, but a
value may also arrive inline (`bytes` / `string` variants, e.g. when another
module produced it), so every reader here accepts both shapes.

Errors are raised as `Err(types.Error(...))`: componentize-py turns that into
the `err` side of the export's `result`, which the host logs and then drops the
record. Any other uncaught exception would trap the instance instead.
"""

import json

from componentize_py_types import Err
from wit_world.imports import types


def fail(text: str):
    """Raises the WIT `error` the host logs before dropping the record."""
    raise Err(types.Error(message=text))


def read_bytes(value) -> bytes:
    """The bytes of a `buffer-or-bytes` or `buffer-or-string` value."""
    if isinstance(value, (types.BufferOrBytes_Buffer, types.BufferOrString_Buffer)):
        return value.value.read()
    if isinstance(value, types.BufferOrBytes_Bytes):
        return bytes(value.value)
    if isinstance(value, types.BufferOrString_String):
        return value.value.encode("utf-8")
    fail(f"unexpected value {type(value).__name__}")


def message_of(data):
    """The `message` inside a data-model value; snapshots and raw bytes are refused."""
    if not isinstance(data, types.DataModel_Message):
        fail(f"expected a message, got {type(data).__name__}")
    return data.value


def payload_json(message):
    """The message payload parsed as JSON (UTF-8)."""
    raw = read_bytes(message.payload)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        fail(f"payload is not JSON: {error}")


def temperature_of(document):
    """The `temperature` object of a payload like {"temperature": {...}}, else None."""
    if isinstance(document, dict) and isinstance(document.get("temperature"), dict):
        return document["temperature"]
    return None


def is_number(value) -> bool:
    """True for JSON numbers (Python's bool is an int subclass: not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def fahrenheit_to_celsius(value):
    """(value − 32) × 5/9."""
    return (value - 32) * 5 / 9
