"""py-netprobe: tries the network from inside a module and reports what the host answered.

Weir links wasi:sockets deny-all, so every attempt should fail with a Python-level error
(PermissionError, errno EACCES), never a trap. The JSON payload says what to try:

* `{"connect": "203.0.113.7:80"}` — `socket.create_connection`
* `{"resolve": "example.com"}`    — `socket.getaddrinfo`
* `{"urlopen": "http://example.com/"}` — `urllib.request.urlopen`

The output payload reports the outcome, e.g.
`{"attempt": "connect", "ok": false, "error": "PermissionError", "errno": "EACCES", "message": "…"}`.
With `"fail": true` in the payload a refusal becomes the WIT error instead, so the record goes
to the dead-letter output. Built for world `map-impl` of wasm-graph:processor@1.1.0.

componentize-py bundles only the standard-library modules a module imports, and `socket` loads
the `idna` codec lazily: without the explicit import, any host name given as `str` fails with
"LookupError: unknown encoding: idna" before the network is asked.
"""

import encodings.idna  # noqa: F401 (socket encodes host names with it; see below)
import errno
import json
import socket
import urllib.request

from wit_world import exports
from wit_world.imports import logger, types

import weir_payload as wp

CONTEXT = "py-netprobe"
TIMEOUT_S = 2.0


def attempt(kind: str, target: str):
    """Runs one network call; returns a short description of what came back."""
    if kind == "connect":
        host, _, port = target.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=TIMEOUT_S) as conn:
            return f"connected to {conn.getpeername()}"
    if kind == "resolve":
        return f"resolved to {sorted({info[4][0] for info in socket.getaddrinfo(target, 80)})}"
    if kind == "urlopen":
        with urllib.request.urlopen(target, timeout=TIMEOUT_S) as response:
            return f"HTTP {response.status}"
    wp.fail(f"unknown attempt {kind!r}: use connect, resolve or urlopen")


def refusal(error: BaseException) -> dict:
    """What an exception says, with urllib's wrapping removed."""
    cause = getattr(error, "reason", None)
    if isinstance(cause, BaseException):
        error = cause
    code = getattr(error, "errno", None)
    return {
        "error": type(error).__name__,
        "errno": errno.errorcode.get(code, code) if isinstance(code, int) else code,
        "message": str(error),
    }


class Map(exports.Map):
    def init(self, configuration: types.ModuleConfiguration) -> bool:
        return True

    def process(self, message: types.DataModel) -> types.DataModel:
        msg = wp.message_of(message)
        request = wp.payload_json(msg)
        if not isinstance(request, dict):
            wp.fail("payload must be a JSON object")
        kinds = [k for k in ("connect", "resolve", "urlopen") if k in request]
        if len(kinds) != 1:
            wp.fail("payload must name exactly one of connect, resolve, urlopen")
        kind = kinds[0]
        target = str(request[kind])
        try:
            result = {"attempt": kind, "ok": True, "detail": attempt(kind, target)}
        except OSError as error:
            result = {"attempt": kind, "ok": False, **refusal(error)}
        logger.log(logger.Level.INFO, CONTEXT, json.dumps(result))
        if not result["ok"] and request.get("fail") is True:
            wp.fail(f"{kind} {target} refused: {result['error']} {result['errno']}: {result['message']}")
        msg.payload = types.BufferOrBytes_Bytes(json.dumps(result).encode("utf-8"))
        return message
