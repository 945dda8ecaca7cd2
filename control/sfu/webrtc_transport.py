"""A WebRtcTransport: ICE + DTLS + SRTP towards a browser or another WebRTC endpoint."""

from __future__ import annotations

from typing import Any

from control.sfu.transport import Transport


class WebRtcTransport(Transport):
    @property
    def ice_parameters(self) -> dict[str, Any]:
        result: dict[str, Any] = self.data["iceParameters"]
        return result

    @property
    def ice_candidates(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.data["iceCandidates"]
        return result

    @property
    def dtls_parameters(self) -> dict[str, Any]:
        result: dict[str, Any] = self.data["dtlsParameters"]
        return result

    @property
    def ice_state(self) -> str:
        return str(self.data.get("iceState", "new"))

    @property
    def dtls_state(self) -> str:
        return str(self.data.get("dtlsState", "new"))

    def _on_notification(self, event: str, data: Any) -> None:
        if event == "icestatechange":
            self._state_changed(event, "iceState", data["iceState"])
        elif event == "iceselectedtuplechange":
            self._state_changed(event, "iceSelectedTuple", data["iceSelectedTuple"])
        elif event == "dtlsstatechange":
            if data["dtlsState"] == "connected":
                self.data["dtlsRemoteCert"] = data.get("dtlsRemoteCert")
            self._state_changed(event, "dtlsState", data["dtlsState"])

    async def connect(self, dtls_parameters: dict[str, Any]) -> None:
        self._require_open()
        result = await self._channel.request("transport.connect", self.id, {"dtlsParameters": dtls_parameters})
        self.data["dtlsParameters"]["role"] = result["dtlsLocalRole"]

    async def restart_ice(self) -> dict[str, Any]:
        self._require_open()
        result = await self._channel.request("transport.restartIce", self.id)
        self.data["iceParameters"] = result["iceParameters"]
        return self.ice_parameters
