"""What every inbound payload must satisfy before it meets its model, for REST bodies and queries
and WebSocket frames alike: JSON that parses without exhausting the stack, bounded nesting, and
text PostgreSQL can store (it refuses NUL, and UTF-8 has no lone surrogates)."""

from __future__ import annotations

import json
from typing import Any

from control.errors import InvalidJson, ValidationFailed

# Deeper than any message of the protocol (SFU RTP parameters are the deepest, well under this).
MAX_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity; nobody else does


def loads_json(raw: str | bytes, *, invalid_code: str = "invalid_body") -> Any:
    """Parse and check; `invalid_code` is what refused text is called where it came from
    (`invalid_body` for REST, `invalid_frame` for WebSocket)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("this is not valid JSON (UTF-8)") from None
    check_payload(value, invalid_code=invalid_code)
    return value


def too_deep() -> InvalidJson:
    return InvalidJson(f"the JSON is nested deeper than {MAX_DEPTH} levels", code="too_deep")


def check_payload(value: Any, *, invalid_code: str = "invalid_body") -> None:
    """Iterative, so a payload nested thousands deep cannot exhaust the stack here either."""
    stack: list[tuple[Any, list[Any], int]] = [(value, [], 1)]
    while stack:
        item, loc, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise too_deep()
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, loc + [_shown(key)], invalid_code)
                stack.append((child, loc + [_shown(key)], depth + 1))
        elif isinstance(item, list):
            stack.extend((child, loc + [i], depth + 1) for i, child in enumerate(item))
        else:
            _check_text(item, loc, invalid_code)


def _shown(key: Any) -> Any:
    """A key as it can be echoed back in an error (a lone surrogate cannot be encoded)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(key, str) else repr(key)


def _check_text(value: Any, loc: list[Any], code: str) -> None:
    if isinstance(value, bytes):  # msgpack bin: pydantic would read it as text
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise _refused(loc, "text must be valid UTF-8", "invalid_utf8", code) from None
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise _refused(loc, "text may not contain the NUL character (\\u0000)", "nul_character", code)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _refused(loc, "text may not contain a lone surrogate (\\ud800-\\udfff)", "lone_surrogate",
                           code) from None


def _refused(loc: list[Any], message: str, kind: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"loc": loc, "message": message, "type": kind}])
