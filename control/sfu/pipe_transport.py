"""A PipeTransport: RTP between two routers (on one worker or two), see Router.pipe_to_router."""

from __future__ import annotations

from typing import Any

from control.sfu import ortc
from control.sfu.consumer import Consumer
from control.sfu.errors import InvalidStateError
from control.sfu.transport import Transport


class PipeTransport(Transport):
    @property
    def tuple(self) -> dict[str, Any]:
        result: dict[str, Any] = self.data["tuple"]
        return result

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "tuple":
            self._state_changed(event, "tuple", data["tuple"])

    async def connect(self, *, ip: str, port: int, srtp_parameters: dict[str, Any] | None = None) -> None:
        self._require_open()
        request: dict[str, Any] = {"ip": ip, "port": port}
        if srtp_parameters is not None:
            request["srtpParameters"] = srtp_parameters
        result = await self._channel.request("transport.connect", self.id, request)
        self.data["tuple"] = result["tuple"]

    async def consume_for_pipe(self, producer_id: str, app_data: dict[str, Any] | None = None) -> Consumer:
        """A consumer that forwards every encoding of the producer to the other router."""
        self._require_open()
        producer = self._router.producer_by_id(producer_id)
        if producer is None:
            raise InvalidStateError(f'Producer with id "{producer_id}" not found')
        rtp_parameters = ortc.get_pipe_consumer_rtp_parameters(producer.consumable_rtp_parameters,
                                                               enable_rtx=bool(self.data.get("rtx")))
        return await self._create_consumer(producer, rtp_parameters, "pipe", {}, app_data)
