"""Call recording: one MP4 (H.264 + AAC, a grid of tiles, audio mixed) per recorded call.

    recorder.py    the node's side: a PlainTransport consumer per recorded stream, the
                   compositor process, finalize() of a stopped or dead recording
    compositor.py  the process (`python -m control.recording.compositor`): RTP in, frame clock
    rtp_input.py   one input: UDP socket, jitter buffer, depayloader, decoder, key frame requests
    layout.py      tile geometry;  canvas.py the YUV picture;  labels.py names and placeholders
    mixer.py       the audio mix;  encoder.py raw frames to ffmpeg;  ffmpeg.py its command lines
    quality.py     the group's resolution, fps and bitrate
"""
