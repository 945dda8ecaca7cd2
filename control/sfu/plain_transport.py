"""A PlainTransport: plain RTP/RTCP (optionally SRTP), e.g. to ffmpeg for recording."""

from __future__ import annotations

from typing import Any

from control.sfu.transport import Transport


class PlainTransport(Transport):
    @property
    def tuple(self) -> dict[str, Any]:
        result: dict[str, Any] = self.data["tuple"]
        return result

    @property
    def rtcp_tuple(self) -> dict[str, Any] | None:
        return self.data.get("rtcpTuple")

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "tuple":
            self._state_changed(event, "tuple", data["tuple"])
        elif event == "rtcptuple":
            self._state_changed(event, "rtcpTuple", data["rtcpTuple"])

    async def connect(self, *, ip: str | None = None, port: int | None = None, rtcp_port: int | None = None,
                      srtp_parameters: dict[str, Any] | None = None) -> None:
        self._require_open()
        request = {"ip": ip, "port": port, "rtcpPort": rtcp_port, "srtpParameters": srtp_parameters}
        result = await self._channel.request("transport.connect", self.id,
                                             {k: v for k, v in request.items() if v is not None})
        for key in ("tuple", "rtcpTuple", "srtpParameters"):
            if result.get(key) is not None:
                self.data[key] = result[key]
