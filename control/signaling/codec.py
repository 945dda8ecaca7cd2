"""Frame encodings: JSON text frames by default, msgpack binary frames when the client asks for
the `peershare.msgpack` subprotocol."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgpack

from control.errors import InvalidJson
from control.inbound import check_payload, loads_json, too_deep

JSON_SUBPROTOCOL = "peershare.json"
MSGPACK_SUBPROTOCOL = "peershare.msgpack"


@dataclass(frozen=True)
class Codec:
    name: str
    subprotocol: str | None

    @property
    def binary(self) -> bool:
        return self.name == "msgpack"

    def decode(self, data: str | bytes) -> Any:
        if not self.binary:
            return loads_json(data, invalid_code="invalid_frame")
        try:
            if isinstance(data, str):
                raise ValueError("msgpack frames are binary")
            value = msgpack.unpackb(data, strict_map_key=False)
        except (msgpack.StackError, RecursionError):
            raise too_deep() from None
        except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError):
            raise InvalidJson("the frame is not valid msgpack", code="invalid_msgpack") from None
        check_payload(value, invalid_code="invalid_frame")
        return value

    def encode(self, frame: dict[str, Any]) -> str | bytes:
        if self.binary:
            return bytes(msgpack.packb(frame))
        return json.dumps(frame, separators=(",", ":"))


def choose_codec(offered: list[str]) -> Codec:
    if MSGPACK_SUBPROTOCOL in offered:
        return Codec("msgpack", MSGPACK_SUBPROTOCOL)
    return Codec("json", JSON_SUBPROTOCOL if JSON_SUBPROTOCOL in offered else None)
