"""The compositor's way into ffmpeg: raw frames muxed into one NUT stream on ffmpeg's stdin.

Muxing (the pipe writes) happens on a thread of its own with a short queue, so a moment in
which ffmpeg does not read does not hold up the frame clock or the RTP sockets; PyAV writes
through libavformat's pipe protocol without the GIL."""

from __future__ import annotations

import asyncio
import fcntl
import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from control.childproc import ChildProcess
from control.recording import ffmpeg
from control.recording.mixer import RATE
from control.recording.quality import RecordingQuality

_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
# About a second of frames may wait for ffmpeg; beyond that the frame clock waits too.
_QUEUED_FRAMES = 32


class EncoderGone(Exception):
    """ffmpeg stopped reading: it exited."""


class Encoder:
    def __init__(self, quality: RecordingQuality, output: Path) -> None:
        self.fps = quality.fps
        read_end, self._write_end = os.pipe()
        try:
            fcntl.fcntl(self._write_end, _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:
            pass  # a smaller pipe only means more, shorter writes
        log = os.open(output.with_suffix(".ffmpeg.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self.process = ChildProcess(ffmpeg.encoder_args(quality, output), fds={0: read_end, 2: log})
        finally:
            os.close(read_end)
            os.close(log)
        self._container = av.open(f"pipe:{self._write_end}", "w", format="nut")
        width, height = quality.size
        self._video = self._container.add_stream("rawvideo", rate=quality.fps)
        self._video.width, self._video.height, self._video.pix_fmt = width, height, "yuv420p"
        self._audio = self._container.add_stream("pcm_s16le", rate=RATE, layout="stereo")
        self._queue: queue.Queue[list[av.Packet[Any]] | None] = queue.Queue(_QUEUED_FRAMES)
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write, name="nut-writer", daemon=True)
        self._writer.start()

    def write(self, index: int, picture: av.VideoFrame, sound: np.ndarray) -> None:
        """Frame number `index` of the recording and the audio that goes with it (int16, (n, 2)),
        which starts at sample index * RATE // fps. The picture is copied here: it can be redrawn."""
        if self._error is not None:
            raise EncoderGone from self._error
        picture.pts, picture.time_base = index, Fraction(1, self.fps)
        audio = av.AudioFrame.from_ndarray(sound.reshape(1, -1), format="s16", layout="stereo")
        audio.sample_rate, audio.pts, audio.time_base = RATE, index * RATE // self.fps, Fraction(1, RATE)
        # Raw "encoding" copies the pixels into a packet; the canvas is free again afterwards.
        self._queue.put([*self._video.encode(picture), *self._audio.encode(audio)])

    def _write(self) -> None:
        while (packets := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain, so a blocked put() returns
            try:
                self._container.mux(packets)
            except (OSError, av.FFmpegError) as exc:
                self._error = exc

    async def close(self) -> int:
        """Ends the stream (ffmpeg then writes its last fragment) and waits for ffmpeg's exit code."""
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._writer.join)
        try:
            self._container.close()
        except (OSError, av.FFmpegError):
            pass  # ffmpeg is gone already; its exit code says how
        os.close(self._write_end)
        return await self.process.wait()
