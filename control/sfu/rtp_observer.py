"""RTP observers of a router's audio producers: audio levels and the active speaker."""

from __future__ import annotations

from typing import Any, Callable

from control.sfu.channel import Channel
from control.sfu.events import Emitter
from control.sfu.producer import Producer


class RtpObserver:
    def __init__(self, observer_id: str, router_id: str, channel: Channel,
                 producer_by_id: Callable[[str], Producer | None], app_data: dict[str, Any],
                 on_closed: Callable[["RtpObserver"], object]) -> None:
        self.id = observer_id
        self.app_data = app_data
        self.paused = False
        self.closed = False
        # AudioLevelObserver: "volumes" [(producer, dBov)], "silence";
        # ActiveSpeakerObserver: "dominantspeaker" (producer). Also "routerclose".
        self.events = Emitter()
        self.observer = Emitter()
        self._router_id = router_id
        self._channel = channel
        self._producer_by_id = producer_by_id
        self._on_closed = on_closed
        channel.subscribe(observer_id, self._on_notification)

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "volumes":
            volumes = [(p, entry["volume"]) for entry in data if (p := self._producer_by_id(entry["producerId"]))]
            if volumes:
                self.events.emit("volumes", volumes)
        elif event == "silence":
            self.events.emit("silence")
        elif event == "dominantspeaker":
            producer = self._producer_by_id(data["producerId"])
            if producer is not None:
                self.events.emit("dominantspeaker", producer)

    def close(self) -> None:
        if self._finish():
            self._channel.close_request("router.closeRtpObserver", self._router_id, {"rtpObserverId": self.id})

    def router_closed(self) -> None:
        if self._finish():
            self.events.emit("routerclose")

    def _finish(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        self._channel.unsubscribe(self.id)
        self._on_closed(self)
        self.observer.emit("close")
        return True

    async def pause(self) -> None:
        await self._channel.request("rtpObserver.pause", self.id)
        self.paused = True

    async def resume(self) -> None:
        await self._channel.request("rtpObserver.resume", self.id)
        self.paused = False

    async def add_producer(self, producer_id: str) -> None:
        await self._channel.request("rtpObserver.addProducer", self.id, {"producerId": producer_id})

    async def remove_producer(self, producer_id: str) -> None:
        await self._channel.request("rtpObserver.removeProducer", self.id, {"producerId": producer_id})
