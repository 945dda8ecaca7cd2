"""One SFU call on this node: its router, and per participant a send and a recv transport, the
producers it sends (mic, camera, screen) and the consumers of everyone else's.

Every participant consumes every other participant's producers: each new producer is consumed,
paused, by every participant that is ready, and pushed to it; the client resumes the consumer
once its track is set up. Scores become a good / fair / poor grade per participant, and the
active speaker and audio levels are pushed to everyone.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal

import structlog
from pydantic import BaseModel

from control.calls.media_engine import MediaEngine
from control.domain.permissions import Permission
from control.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from control.sfu import ortc
from control.sfu.consumer import Consumer
from control.sfu.errors import SfuError
from control.sfu.producer import Producer
from control.sfu.router import Router
from control.sfu.rtp_observer import RtpObserver
from control.sfu.webrtc_transport import WebRtcTransport
from control.tasks import TaskSet
from schemas.signaling import (
    AudioLevel,
    CallQuality,
    SfuActiveSpeaker,
    SfuAudioLevels,
    SfuCapabilities,
    SfuConnectTransport,
    SfuConsumerAdded,
    SfuConsumerClosed,
    SfuConsumerPaused,
    SfuCreateTransport,
    SfuPreferredLayers,
    SfuProduce,
    SfuProducerAction,
    SfuProducerClosed,
    SfuReady,
    SfuReset,
    SfuRestartIce,
    SfuResumeConsumer,
    SfuTransportOut,
)

log = structlog.get_logger(__name__)

Quality = Literal["good", "fair", "poor"]
# (session id, frame): how the room reaches a participant, wherever its socket is.
Push = Callable[[str, BaseModel], Awaitable[None]]

SOURCE_KIND = {"mic": "audio", "camera": "video", "screen": "video"}
SOURCE_PERMISSION = {"mic": Permission.SPEAK, "camera": Permission.VIDEO, "screen": Permission.SHARE_SCREEN}


def grade(score: float) -> Quality:
    """mediasoup scores run from 0 (unusable) to 10 (perfect)."""
    return "good" if score >= 7 else "fair" if score >= 4 else "poor"


@dataclass
class Peer:
    participant_id: uuid.UUID
    user_id: uuid.UUID
    session_id: str
    granted: frozenset[Permission]
    muted_by_moderator: bool = False
    send_transport: WebRtcTransport | None = None
    recv_transport: WebRtcTransport | None = None
    rtp_capabilities: dict[str, Any] | None = None
    producers: dict[str, Producer] = field(default_factory=dict)  # by source
    consumers: dict[str, Consumer] = field(default_factory=dict)  # by consumer id
    # Producer ids this peer consumes or is about to (guards against consuming one twice).
    consuming: set[str] = field(default_factory=set)
    quality: Quality = "good"

    def transports(self) -> list[WebRtcTransport]:
        return [t for t in (self.send_transport, self.recv_transport) if t is not None]

    def transport(self, transport_id: str) -> WebRtcTransport:
        for transport in self.transports():
            if transport.id == transport_id:
                return transport
        raise NotFound("no such transport", code="transport_not_found")

    def consumer(self, consumer_id: str) -> Consumer:
        consumer = self.consumers.get(consumer_id)
        if consumer is None:
            raise NotFound("no such consumer", code="consumer_not_found")
        return consumer

    def producer(self, producer_id: str) -> tuple[str, Producer]:
        for source, producer in self.producers.items():
            if producer.id == producer_id:
                return source, producer
        raise NotFound("no such producer", code="producer_not_found")

    def close_media(self) -> None:
        """Closing the transports closes their producers and consumers (and others' consumers of
        those producers, which the worker reports to them)."""
        for transport in self.transports():
            transport.close()
        self.send_transport = self.recv_transport = None
        self.rtp_capabilities = None
        self.producers.clear()
        self.consumers.clear()
        self.consuming.clear()


class Room:
    def __init__(self, call_id: uuid.UUID, channel_id: uuid.UUID, engine: MediaEngine, push: Push) -> None:
        self.call_id = call_id
        self.channel_id = channel_id
        self.peers: dict[uuid.UUID, Peer] = {}
        self.router: Router | None = None
        self._engine = engine
        self._push = push
        self._observers: tuple[RtpObserver, ...] = ()
        self._tasks = TaskSet(f"room {call_id}")
        self.closed = False
        # Told of every new producer (the call's recording taps them).
        self.producer_observers: list[Callable[[Peer, str, Producer], Awaitable[None]]] = []

    async def open(self, router: Router) -> None:
        """Takes a (new) router: at start, and after its worker died."""
        self.router = router
        speaker = await router.create_active_speaker_observer(interval_ms=300)
        speaker.events.on("dominantspeaker", self._on_dominant_speaker)
        levels = await router.create_audio_level_observer(max_entries=10, threshold=-70, interval_ms=500)
        levels.events.on("volumes", self._on_volumes)
        levels.events.on("silence", lambda: self._spawn(self._tell_all(SfuAudioLevels(channel_id=self.channel_id, levels=[]))))
        self._observers = (speaker, levels)

    def rebuild_needed(self) -> None:
        """The router's worker died: everyone's media is gone; they set it up again on a new router."""
        for peer in self.peers.values():
            peer.close_media()
        self.router = None

    async def reopened(self) -> None:
        await self._tell_all(SfuReset(channel_id=self.channel_id))

    def close(self) -> None:
        self.closed = True
        for peer in self.peers.values():
            peer.close_media()
        self.peers.clear()
        if self.router is not None:
            self.router.close()
        self._tasks.cancel()

    # --- participants ---

    def add_peer(self, peer: Peer) -> None:
        self.peers[peer.participant_id] = peer

    def remove_peer(self, participant_id: uuid.UUID) -> None:
        peer = self.peers.pop(participant_id, None)
        if peer is not None:
            peer.close_media()

    def _require_router(self) -> Router:
        if self.router is None or self.router.closed:
            raise Conflict("the media server is restarting; try again in a moment", code="sfu_restarting")
        return self.router

    # --- the request set ---

    async def request(self, peer: Peer, frame: BaseModel) -> dict[str, Any] | None:
        """Runs one SFU request of `peer`; returns the `data` of its ok reply."""
        match frame:
            case SfuCapabilities():
                return {"rtp_capabilities": self.rtp_capabilities()}
            case SfuCreateTransport():
                return (await self.create_transport(peer, frame.direction)).model_dump(mode="json")
            case SfuConnectTransport():
                await self.connect_transport(peer, frame.transport_id, frame.dtls_parameters)
            case SfuProduce():
                return {"producer_id": await self.produce(peer, frame.transport_id, frame.kind, frame.source,
                                                          frame.rtp_parameters, frame.paused)}
            case SfuReady():
                await self.ready(peer, frame.rtp_capabilities)
            case SfuResumeConsumer():
                await self.resume_consumer(peer, frame.consumer_id)
            case SfuProducerAction():
                await self.producer_action(peer, frame.producer_id, frame.action)
            case SfuPreferredLayers():
                await self.set_preferred_layers(peer, frame.consumer_id, frame.spatial_layer, frame.temporal_layer)
            case SfuRestartIce():
                return {"ice_parameters": await self.restart_ice(peer, frame.transport_id)}
        return None

    def rtp_capabilities(self) -> dict[str, Any]:
        return self._require_router().rtp_capabilities

    async def create_transport(self, peer: Peer, direction: Literal["send", "recv"]) -> SfuTransportOut:
        router = self._require_router()
        transport = await self._engine.create_webrtc_transport(
            router, direction, {"participant_id": str(peer.participant_id), "direction": direction})
        previous = peer.send_transport if direction == "send" else peer.recv_transport
        if previous is not None:
            previous.close()
        if direction == "send":
            peer.send_transport = transport
            peer.producers.clear()
        else:
            peer.recv_transport = transport
            peer.consumers.clear()
            peer.consuming.clear()
        return SfuTransportOut(transport_id=transport.id, direction=direction, ice_parameters=transport.ice_parameters,
                               ice_candidates=transport.ice_candidates, dtls_parameters=transport.dtls_parameters)

    async def connect_transport(self, peer: Peer, transport_id: str, dtls_parameters: dict[str, Any]) -> None:
        transport = peer.transport(transport_id)
        try:
            await transport.connect(dtls_parameters)
        except (TypeError, SfuError) as exc:
            raise InvalidInput(f"cannot connect the transport: {exc}", code="invalid_dtls_parameters") from None

    async def restart_ice(self, peer: Peer, transport_id: str) -> dict[str, Any]:
        return await peer.transport(transport_id).restart_ice()

    async def produce(self, peer: Peer, transport_id: str, kind: str, source: str, rtp_parameters: dict[str, Any],
                      paused: bool) -> str:
        if peer.send_transport is None or peer.send_transport.id != transport_id:
            raise NotFound("no such send transport", code="transport_not_found")
        if SOURCE_KIND[source] != kind:
            raise InvalidInput(f"a {source} track is {SOURCE_KIND[source]}", code="kind_mismatch")
        if SOURCE_PERMISSION[source] not in peer.granted:
            raise PermissionDenied(f"you may not {SOURCE_PERMISSION[source].value.replace('_', ' ')} in this channel",
                                   code=f"{SOURCE_PERMISSION[source].value}_not_allowed")
        if source == "mic" and peer.muted_by_moderator:
            raise PermissionDenied("a moderator muted you", code="muted_by_moderator")
        if source in peer.producers:
            raise Conflict(f"you are already sending a {source} track", code="source_busy")
        try:
            producer = await peer.send_transport.produce(
                kind=kind, rtp_parameters=rtp_parameters, paused=paused,
                app_data={"participant_id": str(peer.participant_id), "source": source})
        except (TypeError, SfuError) as exc:
            raise InvalidInput(f"cannot produce that track: {exc}", code="invalid_rtp_parameters") from None
        if SOURCE_PERMISSION[source] not in peer.granted or (source == "mic" and peer.muted_by_moderator):
            producer.close()  # the rights changed while it was being made
            raise PermissionDenied("you may no longer send that here", code=f"{SOURCE_PERMISSION[source].value}_not_allowed")
        peer.producers[source] = producer
        producer.observer.on(
            "close", lambda: peer.producers.pop(source, None) if peer.producers.get(source) is producer else None)
        producer.events.on("score", lambda _score: self._update_quality(peer))
        if kind == "audio":
            for observer in self._observers:
                await observer.add_producer(producer.id)
        await asyncio.gather(*(self._consume(other, producer) for other in self.peers.values() if other is not peer))
        for observe in self.producer_observers:
            await observe(peer, source, producer)
        return producer.id

    async def ready(self, peer: Peer, rtp_capabilities: dict[str, Any]) -> None:
        if peer.recv_transport is None:
            raise Conflict("create the recv transport first", code="no_recv_transport")
        try:
            ortc.validate_rtp_capabilities(rtp_capabilities)
        except TypeError as exc:
            raise InvalidInput(f"invalid RTP capabilities: {exc}", code="invalid_rtp_capabilities") from None
        peer.rtp_capabilities = rtp_capabilities
        await asyncio.gather(*(self._consume(peer, producer) for other in list(self.peers.values()) if other is not peer
                               for producer in list(other.producers.values())))

    async def resume_consumer(self, peer: Peer, consumer_id: str) -> None:
        await peer.consumer(consumer_id).resume()

    async def set_preferred_layers(self, peer: Peer, consumer_id: str, spatial: int, temporal: int | None) -> None:
        consumer = peer.consumer(consumer_id)
        if consumer.type not in ("simulcast", "svc"):
            raise InvalidInput("that consumer has a single layer", code="not_layered")
        await consumer.set_preferred_layers(spatial, temporal)

    async def producer_action(self, peer: Peer, producer_id: str, action: str) -> None:
        source, producer = peer.producer(producer_id)
        if action == "close":
            producer.close()
        elif action == "pause":
            await producer.pause()
        else:
            if source == "mic" and peer.muted_by_moderator:
                raise PermissionDenied("a moderator muted you", code="muted_by_moderator")
            await producer.resume()

    async def restrict(self, peer: Peer, granted: frozenset[Permission], muted: bool) -> None:
        """The peer's rights changed during the call: what it may no longer send is closed (and it
        is told); a moderator's mute pauses the mic until a moderator lifts it."""
        peer.granted = granted
        peer.muted_by_moderator = muted
        for source, producer in list(peer.producers.items()):
            if SOURCE_PERMISSION[source] not in granted:
                producer.close()
                await self._push(peer.session_id, SfuProducerClosed(
                    channel_id=self.channel_id, producer_id=producer.id, reason="permission_revoked"))
        mic = peer.producers.get("mic")
        if muted and mic is not None and not mic.closed:
            await mic.pause()

    # --- consuming ---

    async def _consume(self, receiver: Peer, producer: Producer) -> None:
        transport, caps = receiver.recv_transport, receiver.rtp_capabilities
        if transport is None or caps is None or producer.closed or producer.id in receiver.consuming:
            return
        router = self._require_router()
        if not router.can_consume(producer.id, caps):
            log.info("cannot_consume", participant_id=str(receiver.participant_id), producer_id=producer.id)
            return
        receiver.consuming.add(producer.id)
        try:
            consumer = await transport.consume(producer_id=producer.id, rtp_capabilities=caps, paused=True)
        except Exception:  # the producer or transport closed meanwhile
            receiver.consuming.discard(producer.id)
            log.info("consume_failed", participant_id=str(receiver.participant_id), exc_info=True)
            return
        receiver.consumers[consumer.id] = consumer
        consumer.observer.on("close", lambda: self._consumer_closed(receiver, consumer))
        for event, paused in (("producerpause", True), ("producerresume", False)):
            consumer.events.on(event, lambda p=paused: self._spawn(self._push(receiver.session_id, SfuConsumerPaused(
                channel_id=self.channel_id, consumer_id=consumer.id, paused=p))))
        consumer.events.on("score", lambda _score: self._update_quality(receiver))
        await self._push(receiver.session_id, SfuConsumerAdded(
            channel_id=self.channel_id, consumer_id=consumer.id, producer_id=producer.id,
            participant_id=uuid.UUID(producer.app_data["participant_id"]), kind="audio" if consumer.kind == "audio" else "video",
            source=producer.app_data["source"], rtp_parameters=consumer.rtp_parameters,
            producer_paused=consumer.producer_paused,
        ))

    def _consumer_closed(self, receiver: Peer, consumer: Consumer) -> None:
        receiver.consumers.pop(consumer.id, None)
        receiver.consuming.discard(consumer.producer_id)
        if receiver.recv_transport is not None and not receiver.recv_transport.closed:
            self._spawn(self._push(receiver.session_id, SfuConsumerClosed(channel_id=self.channel_id,
                                                                          consumer_id=consumer.id)))

    # --- what everyone hears about ---

    def _participant_of(self, producer: Producer) -> uuid.UUID:
        return uuid.UUID(producer.app_data["participant_id"])

    def _on_dominant_speaker(self, producer: Producer) -> None:
        self._spawn(self._tell_all(SfuActiveSpeaker(channel_id=self.channel_id,
                                                    participant_id=self._participant_of(producer))))

    def _on_volumes(self, volumes: list[tuple[Producer, int]]) -> None:
        levels = [AudioLevel(participant_id=self._participant_of(p), volume=v) for p, v in volumes]
        self._spawn(self._tell_all(SfuAudioLevels(channel_id=self.channel_id, levels=levels)))

    def _update_quality(self, peer: Peer) -> None:
        """The worse of what the participant sends (its producers' scores) and receives (its consumers')."""
        scores = [sum(s["score"] for s in p.score) / len(p.score) for p in peer.producers.values() if p.score]
        scores += [c.score["score"] for c in peer.consumers.values() if "score" in c.score]
        quality = grade(min(scores, default=10))
        if quality != peer.quality:
            peer.quality = quality
            self._spawn(self._tell_all(CallQuality(channel_id=self.channel_id, participant_id=peer.participant_id,
                                                   quality=quality)))

    async def _tell_all(self, frame: BaseModel) -> None:
        for peer in list(self.peers.values()):
            await self._push(peer.session_id, frame)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        if self.closed:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        self._tasks.spawn(coroutine)
