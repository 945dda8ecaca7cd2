"""What an SDP says its author will send, so P2P calls honour the channel's speak/video/screen
rights even though their media never passes through us."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sending:
    audio: int
    video: int


def sending_tracks(sdp: str) -> Sending:
    """How many audio and video m-sections the SDP's author will send on."""
    counts = {"audio": 0, "video": 0}
    sections: list[tuple[str, bool]] = []
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            fields = line[2:].split()
            # Port 0 rejects the section; with no direction attribute, sendrecv is the default.
            sections.append((fields[0] if fields else "", len(fields) > 1 and fields[1] != "0"))
        elif sections and line in ("a=recvonly", "a=inactive"):
            sections[-1] = (sections[-1][0], False)
    for kind, sends in sections:
        if kind in counts and sends:
            counts[kind] += 1
    return Sending(audio=counts["audio"], video=counts["video"])
