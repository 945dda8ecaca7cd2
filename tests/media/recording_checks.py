"""Reading a recorded MP4 back: its streams, its top-level boxes, pictures and audio at chosen times."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np

from control.recording.layout import Rect


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def top_level_boxes(path: Path) -> list[str]:
    boxes, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        boxes.append(data[offset + 4:offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8:offset + 16], "big")
        if size < 8:
            break
        offset += size
    return boxes


def pictures_at(path: Path, times: list[float]) -> dict[float, np.ndarray]:
    """The RGB picture shown at each time (seconds from the start of the file)."""
    wanted, result = sorted(times), {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            while wanted and frame.time is not None and frame.time >= wanted[0]:
                result[wanted.pop(0)] = frame.to_ndarray(format="rgb24")
            if not wanted:
                break
    return result


def mean_colour(picture: np.ndarray, rect: Rect, inset: float = 0.3) -> np.ndarray:
    """The mean RGB of the middle of a rectangle (away from edges and the name label)."""
    dx, dy = int(rect.w * inset), int(rect.h * inset)
    patch = picture[rect.y + dy:rect.y + rect.h - dy, rect.x + dx:rect.x + rect.w - dx]
    result: np.ndarray = patch.reshape(-1, 3).mean(axis=0)
    return result


def median_colour(picture: np.ndarray, rect: Rect) -> np.ndarray:
    """The typical RGB of a rectangle (the background, not the text on it)."""
    patch = picture[rect.y:rect.y + rect.h, rect.x:rect.x + rect.w]
    result: np.ndarray = np.median(patch.reshape(-1, 3), axis=0)
    return result


def close_to(colour: np.ndarray, rgb: tuple[int, int, int], tolerance: float = 50) -> bool:
    return float(np.linalg.norm(colour - np.array(rgb))) < tolerance


def share_of_pixels_near(picture: np.ndarray, rgb: tuple[int, int, int], tolerance: float = 50) -> float:
    distance = np.linalg.norm(picture.astype(np.int32) - np.array(rgb), axis=2)
    return float((distance < tolerance).mean())


def audio(path: Path) -> tuple[np.ndarray, int]:
    """The whole audio track, mono float in [-1, 1], and its sample rate."""
    chunks, rate = [], 48_000
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            chunks.append(frame.to_ndarray().astype(np.float32).reshape(len(frame.layout.channels), -1).mean(axis=0))
    return np.concatenate(chunks), rate


def tone_strength(samples: np.ndarray, rate: int, frequency: float) -> float:
    """The spectrum's magnitude at `frequency` over its median (how far the tone stands out)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    bins = np.fft.rfftfreq(len(samples), 1 / rate)
    near = (bins > frequency - 10) & (bins < frequency + 10)
    return float(spectrum[near].max() / (np.median(spectrum) + 1e-9))


def tone_level_ok(samples: np.ndarray, rate: int, *, present: list[float], absent: list[float]) -> bool:
    """Each present tone stands far out of the spectrum; each absent one is 40 dB below the weakest."""
    strong = [tone_strength(samples, rate, f) for f in present]
    weak = [tone_strength(samples, rate, f) for f in absent]
    assert min(strong) > 1000 and max(weak) < min(strong) / 100, (present, strong, absent, weak)
    return True
