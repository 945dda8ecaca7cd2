"""Reading what an SDP will send."""

from __future__ import annotations

from control.calls.sdp import Sending, sending_tracks

AUDIO_VIDEO = """v=0
o=- 1 2 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 111
a=sendrecv
m=video 9 UDP/TLS/RTP/SAVPF 96
a=sendrecv
"""


def test_sendrecv_sections_count_as_sending() -> None:
    assert sending_tracks(AUDIO_VIDEO) == Sending(audio=1, video=1)


def test_recvonly_inactive_and_rejected_sections_do_not_count() -> None:
    sdp = AUDIO_VIDEO.replace("a=sendrecv\nm=video", "a=recvonly\nm=video") + "m=video 0 UDP/TLS/RTP/SAVPF 96\n"
    sdp += "m=video 9 UDP/TLS/RTP/SAVPF 96\na=inactive\n"
    assert sending_tracks(sdp) == Sending(audio=0, video=1)


def test_a_section_without_direction_sends_and_two_videos_are_two() -> None:
    sdp = "m=video 9 RTP 96\nm=video 9 RTP 96\na=sendonly\nm=application 9 DTLS 5000\n"
    assert sending_tracks(sdp) == Sending(audio=0, video=2)
