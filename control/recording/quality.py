"""A recording's output quality, as a group configures it (the `recording_quality` column)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Resolution = Literal["720p", "1080p"]
_SIZES: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080)}


@dataclass(frozen=True)
class RecordingQuality:
    resolution: Resolution = "720p"
    fps: int = 30
    video_bitrate: int = 2_500_000

    @property
    def size(self) -> tuple[int, int]:
        return _SIZES[self.resolution]

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> RecordingQuality:
        return cls(resolution=value["resolution"], fps=int(value["fps"]), video_bitrate=int(value["video_bitrate"]))

    def to_json(self) -> dict[str, Any]:
        return {"resolution": self.resolution, "fps": self.fps, "video_bitrate": self.video_bitrate}
