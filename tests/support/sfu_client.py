"""A Python mediasoup-client (pymediasoup on aiortc) and the two ways tests reach a router:
directly through the driver, or through PeerShare's signaling."""

from __future__ import annotations

from typing import Any, Protocol

from aiortc import MediaStreamTrack
from pymediasoup import AiortcHandler, Device
from pymediasoup.consumer import Consumer as ClientConsumer
from pymediasoup.producer import Producer as ClientProducer
from pymediasoup.rtp_parameters import RtpCapabilities, RtpParameters
from pymediasoup.transport import Transport as ClientTransport

from control.sfu.consumer import Consumer
from control.sfu.router import Router, listen_ip
from control.sfu.transport import Transport


class SfuServer(Protocol):
    """What a client asks of the SFU side."""

    async def router_capabilities(self) -> dict[str, Any]: ...
    async def create_transport(self, direction: str) -> dict[str, Any]: ...
    async def connect_transport(self, transport_id: str, dtls_parameters: dict[str, Any]) -> None: ...
    async def produce(self, transport_id: str, kind: str, rtp_parameters: dict[str, Any],
                      app_data: dict[str, Any]) -> str: ...
    async def consume(self, transport_id: str, producer_id: str, rtp_capabilities: dict[str, Any]) -> dict[str, Any]: ...
    async def resume_consumer(self, consumer_id: str) -> None: ...


class DirectServer:
    """The router itself, through our driver (no signaling in between)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.transports: dict[str, Transport] = {}
        self.consumers: dict[str, Consumer] = {}

    async def router_capabilities(self) -> dict[str, Any]:
        return self.router.rtp_capabilities

    async def create_transport(self, direction: str) -> dict[str, Any]:
        transport = await self.router.create_webrtc_transport(listen_ips=[listen_ip("127.0.0.1")])
        self.transports[transport.id] = transport
        return {"id": transport.id, "iceParameters": transport.ice_parameters,
                "iceCandidates": transport.ice_candidates, "dtlsParameters": transport.dtls_parameters}

    async def connect_transport(self, transport_id: str, dtls_parameters: dict[str, Any]) -> None:
        await self.transports[transport_id].connect(dtls_parameters)  # type: ignore[attr-defined]

    async def produce(self, transport_id: str, kind: str, rtp_parameters: dict[str, Any],
                      app_data: dict[str, Any]) -> str:
        producer = await self.transports[transport_id].produce(kind=kind, rtp_parameters=rtp_parameters,
                                                               app_data=app_data)
        return producer.id

    async def consume(self, transport_id: str, producer_id: str, rtp_capabilities: dict[str, Any]) -> dict[str, Any]:
        consumer = await self.transports[transport_id].consume(producer_id=producer_id,
                                                               rtp_capabilities=rtp_capabilities, paused=True)
        self.consumers[consumer.id] = consumer
        return {"id": consumer.id, "producerId": producer_id, "kind": consumer.kind,
                "rtpParameters": consumer.rtp_parameters}

    async def resume_consumer(self, consumer_id: str) -> None:
        await self.consumers[consumer_id].resume()


def _plain(model: Any) -> dict[str, Any]:
    result: dict[str, Any] = model.model_dump(exclude_none=True)
    return result


class SfuClient:
    """One participant: a loaded Device, a send and a recv transport, producing and consuming."""

    def __init__(self, server: SfuServer, tracks: list[MediaStreamTrack]) -> None:
        self.server = server
        self.tracks = tracks
        self.device = Device(handlerFactory=AiortcHandler.createFactory(tracks=tracks))
        self.send_transport: ClientTransport | None = None
        self.recv_transport: ClientTransport | None = None
        self.producers: list[ClientProducer] = []
        self.consumers: list[ClientConsumer] = []

    async def load(self) -> None:
        await self.device.load(RtpCapabilities(**await self.server.router_capabilities()))

    @property
    def rtp_capabilities(self) -> dict[str, Any]:
        return _plain(self.device.rtpCapabilities)

    async def _transport(self, direction: str) -> ClientTransport:
        info = await self.server.create_transport(direction)
        create = self.device.createSendTransport if direction == "send" else self.device.createRecvTransport
        transport = create(id=info["id"], iceParameters=info["iceParameters"], iceCandidates=info["iceCandidates"],
                           dtlsParameters=info["dtlsParameters"], sctpParameters=None)
        server = self.server

        @transport.on("connect")
        async def on_connect(dtls_parameters: Any) -> None:
            await server.connect_transport(transport.id, _plain(dtls_parameters))

        if direction == "send":
            @transport.on("produce")
            async def on_produce(kind: str, rtp_parameters: Any, app_data: Any) -> str:
                return await server.produce(transport.id, kind, _plain(rtp_parameters), app_data or {})

        return transport

    async def produce(self, track: MediaStreamTrack, **options: Any) -> ClientProducer:
        if self.send_transport is None:
            self.send_transport = await self._transport("send")
        producer = await self.send_transport.produce(track=track, stopTracks=False, **options)
        self.producers.append(producer)
        return producer

    async def consume(self, producer_id: str) -> ClientConsumer:
        if self.recv_transport is None:
            self.recv_transport = await self._transport("recv")
        info = await self.server.consume(self.recv_transport.id, producer_id, self.rtp_capabilities)
        consumer = await self.recv_transport.consume(id=info["id"], producerId=info["producerId"], kind=info["kind"],
                                                     rtpParameters=RtpParameters(**info["rtpParameters"]))
        await self.server.resume_consumer(info["id"])
        self.consumers.append(consumer)
        return consumer

    async def close(self) -> None:
        for transport in (self.send_transport, self.recv_transport):
            if transport is not None:
                await transport.close()
