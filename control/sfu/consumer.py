"""A Consumer: one outgoing media track on a transport, fed by a Producer (Consumer.js)."""

from __future__ import annotations

from typing import Any, Callable

from control.sfu.channel import Channel
from control.sfu.events import Emitter


class Consumer:
    def __init__(self, *, consumer_id: str, transport_id: str, producer_id: str, kind: str,
                 rtp_parameters: dict[str, Any], consumer_type: str, channel: Channel, app_data: dict[str, Any],
                 status: dict[str, Any], on_closed: Callable[["Consumer"], object]) -> None:
        self.id = consumer_id
        self.transport_id = transport_id
        self.producer_id = producer_id
        self.kind = kind
        self.rtp_parameters = rtp_parameters
        self.type = consumer_type
        self.app_data = app_data
        self.paused: bool = status.get("paused", False)
        self.producer_paused: bool = status.get("producerPaused", False)
        self.score: dict[str, Any] = status.get("score") or {}
        self.preferred_layers: dict[str, Any] | None = status.get("preferredLayers")
        self.current_layers: dict[str, Any] | None = None
        self.priority = 1
        self.closed = False
        # Own events: "producerclose", "producerpause", "producerresume", "score", "layerschange",
        # "transportclose"; observer: "close", "pause", "resume", "score", "layerschange".
        self.events = Emitter()
        self.observer = Emitter()
        self._channel = channel
        self._on_closed = on_closed
        channel.subscribe(consumer_id, self._on_notification)
        if channel.payload is not None:
            channel.payload.subscribe(consumer_id, self._on_payload)

    def _on_payload(self, event: str, _data: Any, payload: bytes) -> None:
        """Consumers on a DirectTransport hand their RTP packets to us as "rtp" events."""
        if event == "rtp" and not self.closed:
            self.events.emit("rtp", payload)

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "producerclose":
            if self._finish():
                self.events.emit("producerclose")
        elif event == "producerpause" and not self.producer_paused:
            was_paused = self.paused or self.producer_paused
            self.producer_paused = True
            self.events.emit("producerpause")
            if not was_paused:
                self.observer.emit("pause")
        elif event == "producerresume" and self.producer_paused:
            was_paused = self.paused or self.producer_paused
            self.producer_paused = False
            self.events.emit("producerresume")
            if was_paused and not self.paused:
                self.observer.emit("resume")
        elif event in ("score", "layerschange"):
            if event == "score":
                self.score = data
            else:
                self.current_layers = data
            self.events.emit(event, data)
            self.observer.emit(event, data)

    def close(self) -> None:
        if self._finish():
            self._channel.close_request("transport.closeConsumer", self.transport_id, {"consumerId": self.id})

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
        result: dict[str, Any] = await self._channel.request("consumer.dump", self.id)
        return result

    async def get_stats(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._channel.request("consumer.getStats", self.id)
        return result

    async def pause(self) -> None:
        was_paused = self.paused or self.producer_paused
        await self._channel.request("consumer.pause", self.id)
        self.paused = True
        if not was_paused:
            self.observer.emit("pause")

    async def resume(self) -> None:
        was_paused = self.paused or self.producer_paused
        await self._channel.request("consumer.resume", self.id)
        self.paused = False
        if was_paused and not self.producer_paused:
            self.observer.emit("resume")

    async def set_preferred_layers(self, spatial_layer: int, temporal_layer: int | None = None) -> None:
        data: dict[str, Any] = {"spatialLayer": spatial_layer}
        if temporal_layer is not None:
            data["temporalLayer"] = temporal_layer
        result = await self._channel.request("consumer.setPreferredLayers", self.id, data)
        self.preferred_layers = result or None

    async def set_priority(self, priority: int) -> None:
        result = await self._channel.request("consumer.setPriority", self.id, {"priority": priority})
        self.priority = result["priority"] if result else 1

    async def unset_priority(self) -> None:
        await self.set_priority(1)

    async def request_key_frame(self) -> None:
        await self._channel.request("consumer.requestKeyFrame", self.id)

    async def enable_trace_event(self, types: list[str]) -> None:
        await self._channel.request("consumer.enableTraceEvent", self.id, {"types": types})
