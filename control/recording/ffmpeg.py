"""Debian's ffmpeg and ffprobe, as the recorder uses them: the encoder that writes the
crash-safe intermediate, the remux into the final MP4, and reading a file's duration."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from control.recording.quality import RecordingQuality

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
def encoder_args(quality: RecordingQuality, output: Path) -> list[str]:
    """A NUT stream of raw yuv420p video and s16le audio on stdin → H.264 + AAC in a fragmented MP4.
    (One stream with both, rather than a pipe each: ffmpeg reads two pipes in its own order, and
    a writer that fills one while ffmpeg waits on the other deadlocks.)

    Each fragment (about one second: a key frame every second starts one) is complete on disk
    when written, so a kill -9 of anything loses at most the fragment being written."""
    return [
        FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "warning", "-y",
        "-f", "nut", "-i", "pipe:0",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-b:v", str(quality.video_bitrate), "-maxrate", str(quality.video_bitrate),
        "-bufsize", str(2 * quality.video_bitrate), "-g", str(quality.fps), "-threads", "2",
        "-c:a", "aac", "-b:a", "128k",
        "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000",
        # Straight to the file: a still picture encodes to so little that a second's fragment
        # would otherwise wait in ffmpeg's output buffer, and die with it.
        "-flush_packets", "1",
        "-f", "mp4", str(output),
    ]


async def _run(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, (out if process.returncode == 0 else err).decode(errors="replace")


async def remux(source: Path, target: Path) -> bool:
    """Copies the streams into a plain MP4 with its index first (+faststart), for progressive
    playback; a truncated fragmented source gives whatever complete fragments it holds."""
    code, _ = await _run(FFMPEG, "-nostdin", "-loglevel", "error", "-y", "-err_detect", "ignore_err",
                         "-i", str(source), "-map", "0", "-c", "copy", "-movflags", "+faststart",
                         "-f", "mp4", str(target))
    return code == 0 and target.exists() and target.stat().st_size > 0


async def duration(path: Path) -> float | None:
    code, out = await _run(FFPROBE, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path))
    if code != 0:
        return None
    value = json.loads(out).get("format", {}).get("duration")
    return float(value) if value not in (None, "N/A") else None
