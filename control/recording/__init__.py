"""Call recording: one MP4 (H.264 + AAC, a grid of tiles, audio mixed) per recorded call, and
the group's archive of them.

    service.py     recording calls: start/stop, consent, the capture on the room's host, recovery
    recorder.py    the node's side of a capture: a PlainTransport consumer per recorded stream, the
                   compositor process, finalize() of a stopped or dead recording
    compositor.py  the process (`python -m control.recording.compositor`): RTP in, frame clock
    rtp_input.py   one input: UDP socket, jitter buffer, depayloader, decoder, key frame requests
    layout.py      tile geometry;  canvas.py the YUV picture;  labels.py names and placeholders
    mixer.py       the audio mix;  encoder.py raw frames to ffmpeg;  ffmpeg.py its command lines
    quality.py     the group's resolution, fps and bitrate
    archive.py     who sees which recording, search, rename, delete, play links
    storage.py     a local folder or S3;  links.py signed play links;  retention.py the sweep
"""
