"""DataProducer and DataConsumer: messages through the SFU (DataProducer.js, DataConsumer.js).

PeerShare uses them on direct transports only, where the control process itself sends and
receives the messages over the payload channel.
"""

from __future__ import annotations

from typing import Any, Callable

from control.sfu.channel import Channel
from control.sfu.errors import InvalidStateError
from control.sfu.events import Emitter

# SCTP payload protocol ids, as WebRTC data channels use them.
PPID_STRING, PPID_BINARY, PPID_STRING_EMPTY, PPID_BINARY_EMPTY = 51, 53, 56, 57


def encode_message(message: str | bytes, ppid: int | None) -> tuple[int, bytes]:
    """The PPID and bytes for a message; an empty one travels as one placeholder byte."""
    if ppid is None:
        if isinstance(message, str):
            ppid = PPID_STRING if message else PPID_STRING_EMPTY
        else:
            ppid = PPID_BINARY if message else PPID_BINARY_EMPTY
    if ppid == PPID_STRING_EMPTY:
        return ppid, b" "
    if ppid == PPID_BINARY_EMPTY:
        return ppid, b"\0"
    return ppid, message.encode() if isinstance(message, str) else message


class _DataEndpoint:
    """What both ends share: identity, closing once, dump and stats."""

    _kind = ""  # "dataProducer" or "dataConsumer"

    def __init__(self, *, endpoint_id: str, transport_id: str, data: dict[str, Any], channel: Channel,
                 app_data: dict[str, Any], on_closed: Callable[[Any], object]) -> None:
        self.id = endpoint_id
        self.transport_id = transport_id
        self.type: str = data.get("type", "direct")
        self.label: str = data.get("label", "")
        self.protocol: str = data.get("protocol", "")
        self.app_data = app_data
        self.closed = False
        # Own events: "transportclose" (and the consumer's own); observer: "close".
        self.events = Emitter()
        self.observer = Emitter()
        self._channel = channel
        self._on_closed = on_closed

    def close(self) -> None:
        if self._finish():
            method = "transport.closeDataProducer" if self._kind == "dataProducer" else "transport.closeDataConsumer"
            self._channel.close_request(method, self.transport_id, {f"{self._kind}Id": self.id})

    def transport_closed(self) -> None:
        if self._finish():
            self.events.emit("transportclose")

    def _finish(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        self._channel.unsubscribe(self.id)
        self._on_closed(self)
        self.observer.emit("close")
        return True

    async def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._channel.request(f"{self._kind}.dump", self.id)
        return result

    async def get_stats(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._channel.request(f"{self._kind}.getStats", self.id)
        return result


class DataProducer(_DataEndpoint):
    _kind = "dataProducer"

    def send(self, message: str | bytes, ppid: int | None = None) -> None:
        """Hands a message to the router, which passes it to every DataConsumer of this producer."""
        if self.closed:
            raise InvalidStateError("data producer closed")
        ppid, payload = encode_message(message, ppid)
        self._channel.require_payload().notify("dataProducer.send", self.id, str(ppid), payload)


class DataConsumer(_DataEndpoint):
    """Own events besides "transportclose": "message" (payload bytes, ppid), "dataproducerclose",
    "bufferedamountlow", "sctpsendbufferfull"."""

    _kind = "dataConsumer"

    def __init__(self, *, data_producer_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_producer_id = data_producer_id
        self._channel.subscribe(self.id, self._on_notification)
        self._channel.require_payload().subscribe(self.id, self._on_payload)

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "dataproducerclose":
            if self._finish():
                self.events.emit("dataproducerclose")
        elif event == "bufferedamountlow":
            self.events.emit(event, data["bufferedAmount"])
        elif event == "sctpsendbufferfull":
            self.events.emit(event)

    def _on_payload(self, event: str, data: Any, payload: bytes) -> None:
        if event == "message" and not self.closed:
            self.events.emit("message", payload, data["ppid"])
