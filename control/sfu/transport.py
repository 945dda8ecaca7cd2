"""What every transport does (Transport.js): produce, consume, bitrates, stats, closing.
The kinds (WebRTC, plain RTP, pipe) add their connect() and their own notifications."""

from __future__ import annotations

import uuid
from typing import Any, Callable

from control.sfu import ortc
from control.sfu.channel import Channel
from control.sfu.consumer import Consumer
from control.sfu.errors import InvalidStateError, UnsupportedError
from control.sfu.events import Emitter
from control.sfu.ortc import clone
from control.sfu.producer import Producer


class RouterLink:
    """What a transport needs from its router, without a reference cycle to it."""

    def __init__(self, router_id: str, rtp_capabilities: dict[str, Any],
                 producer_by_id: Callable[[str], Producer | None],
                 producer_added: Callable[[Producer], None], producer_removed: Callable[[Producer], object]) -> None:
        self.router_id = router_id
        self.rtp_capabilities = rtp_capabilities
        self.producer_by_id = producer_by_id
        self.producer_added = producer_added
        self.producer_removed = producer_removed


class Transport:
    def __init__(self, transport_id: str, data: dict[str, Any], channel: Channel, router: RouterLink,
                 app_data: dict[str, Any], on_closed: Callable[["Transport"], object]) -> None:
        self.id = transport_id
        self.data = data
        self.app_data = app_data
        self.closed = False
        self.producers: dict[str, Producer] = {}
        self.consumers: dict[str, Consumer] = {}
        # Own events: "routerclose" and the kind's state changes; observer: "close",
        # "newproducer", "newconsumer" and the same state changes.
        self.events = Emitter()
        self.observer = Emitter()
        self._channel = channel
        self._router = router
        self._on_closed = on_closed
        self._cname_for_producers: str | None = None
        self._next_mid = 0
        channel.subscribe(transport_id, self._on_notification)

    def _on_notification(self, event: str, data: Any) -> None:
        """Kinds override this for their notifications."""

    def _state_changed(self, event: str, key: str, value: Any) -> None:
        self.data[key] = value
        self.events.emit(event, value)
        self.observer.emit(event, value)

    # --- closing ---

    def close(self) -> None:
        if self._finish():
            self._channel.close_request("router.closeTransport", self._router.router_id, {"transportId": self.id})

    def router_closed(self) -> None:
        if self._finish():
            self.events.emit("routerclose")

    def _finish(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        self._channel.unsubscribe(self.id)
        for producer in list(self.producers.values()):
            producer.transport_closed()
        for consumer in list(self.consumers.values()):
            consumer.transport_closed()
        self._on_closed(self)
        self.observer.emit("close")
        return True

    def _require_open(self) -> None:
        if self.closed:
            raise InvalidStateError("transport closed")

    # --- requests ---

    async def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._channel.request("transport.dump", self.id)
        return result

    async def get_stats(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._channel.request("transport.getStats", self.id)
        return result

    async def set_max_incoming_bitrate(self, bitrate: int) -> None:
        await self._channel.request("transport.setMaxIncomingBitrate", self.id, {"bitrate": bitrate})

    async def set_max_outgoing_bitrate(self, bitrate: int) -> None:
        await self._channel.request("transport.setMaxOutgoingBitrate", self.id, {"bitrate": bitrate})

    async def enable_trace_event(self, types: list[str]) -> None:
        await self._channel.request("transport.enableTraceEvent", self.id, {"types": types})

    async def produce(self, *, kind: str, rtp_parameters: dict[str, Any], paused: bool = False,
                      producer_id: str | None = None, key_frame_request_delay: int | None = None,
                      app_data: dict[str, Any] | None = None) -> Producer:
        self._require_open()
        if producer_id is not None and producer_id in self.producers:
            raise TypeError(f'a Producer with same id "{producer_id}" already exists')
        if kind not in ("audio", "video"):
            raise TypeError(f'invalid kind "{kind}"')
        rtp_parameters = clone(rtp_parameters)
        ortc.validate_rtp_parameters(rtp_parameters)
        if not rtp_parameters["encodings"]:
            rtp_parameters["encodings"] = [{}]
        self._set_cname(rtp_parameters)
        caps = self._router.rtp_capabilities
        mapping = ortc.get_producer_rtp_parameters_mapping(rtp_parameters, caps)
        consumable = ortc.get_consumable_rtp_parameters(kind, rtp_parameters, caps, mapping)
        request: dict[str, Any] = {"producerId": producer_id or str(uuid.uuid4()), "kind": kind,
                                   "rtpParameters": rtp_parameters, "rtpMapping": mapping, "paused": paused}
        if key_frame_request_delay is not None:
            request["keyFrameRequestDelay"] = key_frame_request_delay
        status = await self._channel.request("transport.produce", self.id, request)
        producer = Producer(
            producer_id=request["producerId"], transport_id=self.id, kind=kind, rtp_parameters=rtp_parameters,
            producer_type=status["type"], consumable_rtp_parameters=consumable, channel=self._channel,
            app_data=app_data or {}, paused=paused, on_closed=self._producer_closed,
        )
        self.producers[producer.id] = producer
        self._router.producer_added(producer)
        self.observer.emit("newproducer", producer)
        return producer

    def _set_cname(self, rtp_parameters: dict[str, Any]) -> None:
        """Every producer of a transport shares one CNAME, so receivers can lip-sync them."""
        if self._cname_for_producers is None:
            self._cname_for_producers = rtp_parameters["rtcp"].get("cname") or uuid.uuid4().hex[:8]
        rtp_parameters["rtcp"]["cname"] = self._cname_for_producers

    def _producer_closed(self, producer: Producer) -> None:
        self.producers.pop(producer.id, None)
        self._router.producer_removed(producer)

    async def consume(self, *, producer_id: str, rtp_capabilities: dict[str, Any], paused: bool = False,
                      mid: str | None = None, preferred_layers: dict[str, int] | None = None,
                      ignore_dtx: bool = False, enable_rtx: bool | None = None, pipe: bool = False,
                      app_data: dict[str, Any] | None = None) -> Consumer:
        self._require_open()
        # Validated in place, as mediasoup does: missing defaults are filled into the caller's dict.
        ortc.validate_rtp_capabilities(rtp_capabilities)
        producer = self._router.producer_by_id(producer_id)
        if producer is None:
            raise InvalidStateError(f'Producer with id "{producer_id}" not found')
        if enable_rtx is None:
            enable_rtx = producer.kind == "video"
        rtp_parameters = ortc.get_consumer_rtp_parameters(producer.consumable_rtp_parameters, rtp_capabilities,
                                                          pipe=pipe, enable_rtx=enable_rtx)
        if not pipe:
            rtp_parameters["mid"] = mid or self._allocate_mid()
        extra: dict[str, Any] = {"paused": paused, "ignoreDtx": ignore_dtx}
        if preferred_layers is not None:
            extra["preferredLayers"] = preferred_layers
        return await self._create_consumer(producer, rtp_parameters, "pipe" if pipe else producer.type, extra,
                                           app_data)

    async def _create_consumer(self, producer: Producer, rtp_parameters: dict[str, Any], consumer_type: str,
                               extra: dict[str, Any], app_data: dict[str, Any] | None) -> Consumer:
        request: dict[str, Any] = {
            "consumerId": str(uuid.uuid4()), "producerId": producer.id, "kind": producer.kind,
            "rtpParameters": rtp_parameters, "type": consumer_type,
            "consumableRtpEncodings": producer.consumable_rtp_parameters["encodings"], **extra,
        }
        status = await self._channel.request("transport.consume", self.id, request)
        consumer = Consumer(
            consumer_id=request["consumerId"], transport_id=self.id, producer_id=producer.id, kind=producer.kind,
            rtp_parameters=rtp_parameters, consumer_type=consumer_type, channel=self._channel,
            app_data=app_data or {}, status=status, on_closed=lambda c: self.consumers.pop(c.id, None),
        )
        self.consumers[consumer.id] = consumer
        self.observer.emit("newconsumer", consumer)
        return consumer

    def _allocate_mid(self) -> str:
        mid = str(self._next_mid)
        self._next_mid = (self._next_mid + 1) % 100_000_000
        return mid


def can_consume_or_raise(producer: Producer | None, rtp_capabilities: dict[str, Any]) -> Producer:
    if producer is None:
        raise InvalidStateError("producer not found")
    if not ortc.can_consume(producer.consumable_rtp_parameters, clone(rtp_capabilities)):
        raise UnsupportedError("the device cannot consume this producer")
    return producer
