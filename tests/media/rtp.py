"""RTP parameters as a browser would send them, for producing without a real client."""

from __future__ import annotations

from typing import Any


def opus_parameters(ssrc: int = 11111111, mid: str = "AUDIO") -> dict[str, Any]:
    return {
        "mid": mid,
        "codecs": [{"mimeType": "audio/opus", "payloadType": 111, "clockRate": 48000, "channels": 2,
                    "parameters": {"useinbandfec": 1, "usedtx": 1}, "rtcpFeedback": []}],
        "headerExtensions": [{"uri": "urn:ietf:params:rtp-hdrext:sdes:mid", "id": 10}],
        "encodings": [{"ssrc": ssrc}],
        "rtcp": {"cname": "test-cname"},
    }


def vp8_parameters(ssrc: int = 22222222, simulcast: bool = False) -> dict[str, Any]:
    encodings = ([{"rid": "r0", "scalabilityMode": "L1T3"}, {"rid": "r1", "scalabilityMode": "L1T3"},
                  {"rid": "r2", "scalabilityMode": "L1T3"}] if simulcast else [{"ssrc": ssrc, "rtx": {"ssrc": ssrc + 1}}])
    return {
        "mid": "VIDEO",
        "codecs": [
            {"mimeType": "video/VP8", "payloadType": 96, "clockRate": 90000,
             "rtcpFeedback": [{"type": "nack"}, {"type": "nack", "parameter": "pli"}, {"type": "transport-cc"}]},
            {"mimeType": "video/rtx", "payloadType": 97, "clockRate": 90000, "parameters": {"apt": 96}},
        ],
        "headerExtensions": [
            {"uri": "urn:ietf:params:rtp-hdrext:sdes:mid", "id": 4},
            {"uri": "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", "id": 5},
        ],
        "encodings": encodings,
        "rtcp": {"cname": "test-cname"},
    }


def device_capabilities(router_caps: dict[str, Any]) -> dict[str, Any]:
    """A device that supports everything the router does (as mediasoup-client reports it)."""
    return {
        "codecs": [dict(c) for c in router_caps["codecs"]],
        "headerExtensions": [dict(e) for e in router_caps["headerExtensions"]],
    }
