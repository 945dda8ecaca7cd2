"""A Router: one media room on a worker, holding its transports, producers and observers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, TypeVar

from control.sfu import ortc
from control.sfu.channel import Channel
from control.sfu.consumer import Consumer
from control.sfu.direct_transport import DirectTransport
from control.sfu.errors import InvalidStateError
from control.sfu.events import Emitter
from control.sfu.ortc import clone
from control.sfu.pipe_transport import PipeTransport
from control.sfu.plain_transport import PlainTransport
from control.sfu.producer import Producer
from control.sfu.rtp_observer import RtpObserver
from control.sfu.transport import RouterLink, Transport
from control.sfu.webrtc_transport import WebRtcTransport

T = TypeVar("T", bound=Transport)


def listen_ip(ip: str, announced_ip: str | None = None) -> dict[str, Any]:
    return {"ip": ip, "announcedIp": announced_ip} if announced_ip else {"ip": ip}


class Router:
    def __init__(self, router_id: str, rtp_capabilities: dict[str, Any], channel: Channel,
                 app_data: dict[str, Any]) -> None:
        self.id = router_id
        self.rtp_capabilities = rtp_capabilities
        self.app_data = app_data
        self.closed = False
        self.transports: dict[str, Transport] = {}
        self.producers: dict[str, Producer] = {}
        self.rtp_observers: dict[str, RtpObserver] = {}
        # Own events: "workerclose"; observer: "close", "newtransport", "newrtpobserver".
        self.events = Emitter()
        self.observer = Emitter()
        self._channel = channel
        # One pipe transport pair per destination router, shared by every piped producer.
        self._pipe_pairs: dict[str, asyncio.Future[tuple[PipeTransport, PipeTransport]]] = {}
        self._link = RouterLink(router_id, rtp_capabilities, self.producers.get,
                                lambda p: self.producers.__setitem__(p.id, p),
                                lambda p: self.producers.pop(p.id, None))

    # --- closing ---

    def close(self) -> None:
        if self._finish():
            self._channel.close_request("worker.closeRouter", None, {"routerId": self.id})

    def worker_closed(self) -> None:
        if self._finish():
            self.events.emit("workerclose")

    def _finish(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        for transport in list(self.transports.values()):
            transport.router_closed()
        self.producers.clear()
        for rtp_observer in list(self.rtp_observers.values()):
            rtp_observer.router_closed()
        self.observer.emit("close")
        return True

    def _require_open(self) -> None:
        if self.closed:
            raise InvalidStateError("router closed")

    async def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._channel.request("router.dump", self.id)
        return result

    def can_consume(self, producer_id: str, rtp_capabilities: dict[str, Any]) -> bool:
        producer = self.producers.get(producer_id)
        if producer is None:
            return False
        try:
            return ortc.can_consume(producer.consumable_rtp_parameters, clone(rtp_capabilities))
        except TypeError:
            return False

    # --- transports ---

    async def _create(self, kind: type[T], method: str, request: dict[str, Any],
                      app_data: dict[str, Any] | None) -> T:
        self._require_open()
        request = {"transportId": str(uuid.uuid4()), **request}
        data = await self._channel.request(method, self.id, request)
        transport = kind(request["transportId"], data, self._channel, self._link, app_data or {},
                         lambda t: self.transports.pop(t.id, None))
        self.transports[transport.id] = transport
        self.observer.emit("newtransport", transport)
        return transport

    async def create_webrtc_transport(
        self, *, listen_ips: list[dict[str, Any]], enable_udp: bool = True, enable_tcp: bool = False,
        prefer_udp: bool = False, prefer_tcp: bool = False, initial_available_outgoing_bitrate: int = 600_000,
        app_data: dict[str, Any] | None = None,
    ) -> WebRtcTransport:
        return await self._create(WebRtcTransport, "router.createWebRtcTransport", {
            "listenIps": listen_ips, "enableUdp": enable_udp, "enableTcp": enable_tcp, "preferUdp": prefer_udp,
            "preferTcp": prefer_tcp, "initialAvailableOutgoingBitrate": initial_available_outgoing_bitrate,
            "enableSctp": False, "numSctpStreams": {"OS": 1024, "MIS": 1024}, "maxSctpMessageSize": 262144,
            "sctpSendBufferSize": 262144, "isDataChannel": True,
        }, app_data)

    async def create_plain_transport(
        self, *, listen_ip: dict[str, Any], port: int | None = None, rtcp_mux: bool = True, comedia: bool = False,
        enable_srtp: bool = False, srtp_crypto_suite: str = "AES_CM_128_HMAC_SHA1_80",
        app_data: dict[str, Any] | None = None,
    ) -> PlainTransport:
        request: dict[str, Any] = {
            "listenIp": listen_ip, "rtcpMux": rtcp_mux, "comedia": comedia, "enableSctp": False,
            "numSctpStreams": {"OS": 1024, "MIS": 1024}, "maxSctpMessageSize": 262144,
            "sctpSendBufferSize": 262144, "isDataChannel": False, "enableSrtp": enable_srtp,
            "srtpCryptoSuite": srtp_crypto_suite,
        }
        if port is not None:
            request["port"] = port
        return await self._create(PlainTransport, "router.createPlainTransport", request, app_data)

    async def create_pipe_transport(self, *, listen_ip: dict[str, Any], enable_rtx: bool = False,
                                    enable_srtp: bool = False, app_data: dict[str, Any] | None = None) -> PipeTransport:
        return await self._create(PipeTransport, "router.createPipeTransport", {
            "listenIp": listen_ip, "enableSctp": False, "numSctpStreams": {"OS": 1024, "MIS": 1024},
            "maxSctpMessageSize": 268435456, "sctpSendBufferSize": 268435456, "isDataChannel": False,
            "enableRtx": enable_rtx, "enableSrtp": enable_srtp,
        }, app_data)

    async def create_direct_transport(self, *, max_message_size: int = 262_144,
                                      app_data: dict[str, Any] | None = None) -> DirectTransport:
        return await self._create(DirectTransport, "router.createDirectTransport",
                                  {"direct": True, "maxMessageSize": max_message_size}, app_data)

    # --- observers ---

    async def _create_observer(self, method: str, request: dict[str, Any],
                               app_data: dict[str, Any] | None) -> RtpObserver:
        self._require_open()
        observer_id = str(uuid.uuid4())
        await self._channel.request(method, self.id, {"rtpObserverId": observer_id, **request})
        observer = RtpObserver(observer_id, self.id, self._channel, self.producers.get, app_data or {},
                               lambda o: self.rtp_observers.pop(o.id, None))
        self.rtp_observers[observer_id] = observer
        self.observer.emit("newrtpobserver", observer)
        return observer

    async def create_audio_level_observer(self, *, max_entries: int = 1, threshold: int = -80,
                                          interval_ms: int = 1000,
                                          app_data: dict[str, Any] | None = None) -> RtpObserver:
        return await self._create_observer("router.createAudioLevelObserver", {
            "maxEntries": max_entries, "threshold": threshold, "interval": interval_ms}, app_data)

    async def create_active_speaker_observer(self, *, interval_ms: int = 300,
                                             app_data: dict[str, Any] | None = None) -> RtpObserver:
        return await self._create_observer("router.createActiveSpeakerObserver", {"interval": interval_ms}, app_data)

    # --- a producer in two routers ---

    async def pipe_to_router(self, producer_id: str, router: "Router", *,
                             listen_address: str = "127.0.0.1") -> tuple[Consumer, Producer]:
        """Makes this router's producer available in `router` (on this or another worker)."""
        if router is self:
            raise TypeError("cannot use this Router as destination")
        producer = self.producers.get(producer_id)
        if producer is None:
            raise TypeError("Producer not found")
        local, remote = await self._pipe_pair(router, listen_address)
        pipe_consumer = await local.consume_for_pipe(producer_id)
        try:
            pipe_producer = await remote.produce(producer_id=producer.id, kind=pipe_consumer.kind,
                                                 rtp_parameters=pipe_consumer.rtp_parameters,
                                                 paused=pipe_consumer.producer_paused, app_data=producer.app_data)
        except Exception:
            pipe_consumer.close()
            raise
        if producer.closed:
            pipe_consumer.close()
            pipe_producer.close()
            raise InvalidStateError("original Producer closed")
        pipe_consumer.observer.on("close", pipe_producer.close)
        pipe_producer.observer.on("close", pipe_consumer.close)
        pipe_consumer.observer.on("pause", lambda: asyncio.ensure_future(pipe_producer.pause()))
        pipe_consumer.observer.on("resume", lambda: asyncio.ensure_future(pipe_producer.resume()))
        return pipe_consumer, pipe_producer

    async def _pipe_pair(self, router: "Router", address: str) -> tuple[PipeTransport, PipeTransport]:
        pending = self._pipe_pairs.get(router.id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._pipe_pairs[router.id] = pending
            try:
                pair = await self._connect_pipe_pair(router, address)
            except Exception as exc:
                del self._pipe_pairs[router.id]
                pending.set_exception(exc)
                raise
            pending.set_result(pair)
        return await asyncio.shield(pending)

    async def _connect_pipe_pair(self, router: "Router", address: str) -> tuple[PipeTransport, PipeTransport]:
        local = await self.create_pipe_transport(listen_ip=listen_ip(address))
        try:
            remote = await router.create_pipe_transport(listen_ip=listen_ip(address))
        except Exception:
            local.close()
            raise
        try:
            await local.connect(ip=remote.tuple["localIp"], port=remote.tuple["localPort"])
            await remote.connect(ip=local.tuple["localIp"], port=local.tuple["localPort"])
        except Exception:
            local.close()
            remote.close()
            raise

        def forget() -> None:
            local.close()
            remote.close()
            self._pipe_pairs.pop(router.id, None)

        local.observer.on("close", forget)
        remote.observer.on("close", forget)
        return local, remote
