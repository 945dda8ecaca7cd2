"""A Producer: one incoming media track on a transport (Producer.js)."""

from __future__ import annotations

from typing import Any, Callable

from control.sfu.channel import Channel
from control.sfu.errors import InvalidStateError
from control.sfu.events import Emitter


class Producer:
    def __init__(self, *, producer_id: str, transport_id: str, kind: str, rtp_parameters: dict[str, Any],
                 producer_type: str, consumable_rtp_parameters: dict[str, Any], channel: Channel,
                 app_data: dict[str, Any], paused: bool, on_closed: Callable[["Producer"], object]) -> None:
        self.id = producer_id
        self.transport_id = transport_id
        self.kind = kind
        self.rtp_parameters = rtp_parameters
        self.type = producer_type
        self.consumable_rtp_parameters = consumable_rtp_parameters
        self.app_data = app_data
        self.paused = paused
        self.closed = False
        self.score: list[dict[str, Any]] = []
        # Own events: "score", "videoorientationchange", "transportclose"; observer: "close",
        # "pause", "resume", "score".
        self.events = Emitter()
        self.observer = Emitter()
        self._channel = channel
        self._on_closed = on_closed
        channel.subscribe(producer_id, self._on_notification)

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "score":
            self.score = data
            self.events.emit("score", data)
            self.observer.emit("score", data)
        elif event == "videoorientationchange":
            self.events.emit("videoorientationchange", data)

    def close(self) -> None:
        if self._finish():
            self._channel.close_request("transport.closeProducer", self.transport_id, {"producerId": self.id})

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
        result: dict[str, Any] = await self._channel.request("producer.dump", self.id)
        return result

    async def get_stats(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._channel.request("producer.getStats", self.id)
        return result

    async def pause(self) -> None:
        was_paused = self.paused
        await self._channel.request("producer.pause", self.id)
        self.paused = True
        if not was_paused:
            self.observer.emit("pause")

    async def resume(self) -> None:
        was_paused = self.paused
        await self._channel.request("producer.resume", self.id)
        self.paused = False
        if was_paused:
            self.observer.emit("resume")

    def send(self, rtp_packet: bytes) -> None:
        """Injects one RTP packet (producers on a DirectTransport only)."""
        if self.closed:
            raise InvalidStateError("producer closed")
        self._channel.require_payload().notify("producer.send", self.id, None, rtp_packet)

    async def enable_trace_event(self, types: list[str]) -> None:
        await self._channel.request("producer.enableTraceEvent", self.id, {"types": types})
