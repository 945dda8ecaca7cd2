"""The composite picture: one YUV 4:2:0 frame that tiles are drawn into in place, redrawing
only what changed, and that goes to the encoder as is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from av import VideoFrame

from control.recording.layout import Rect

# Video-range YUV of the colours the compositor paints.
BACKGROUND = (16, 128, 128)  # black
PLACEHOLDER = (40, 128, 128)  # dark grey


@dataclass(frozen=True)
class Picture:
    """Three planes of a 4:2:0 image (chroma at half width and height); views, not copies."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @classmethod
    def of_frame(cls, frame: VideoFrame) -> Picture:
        """Views into a yuv420p frame's planes (valid as long as the frame is referenced)."""
        planes = [np.frombuffer(memoryview(p), np.uint8).reshape(p.height, p.line_size)[:, :p.width] for p in frame.planes]
        return cls(planes[0], planes[1], planes[2])


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.frame = VideoFrame(width, height, "yuv420p")
        self.picture = Picture.of_frame(self.frame)

    def fill(self, rect: Rect, colour: tuple[int, int, int]) -> None:
        p, (x, y, w, h) = self.picture, (rect.x, rect.y, rect.w, rect.h)
        p.y[y:y + h, x:x + w] = colour[0]
        p.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = colour[1]
        p.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = colour[2]

    def paste(self, image: Picture, x: int, y: int) -> None:
        """Copies the image with its top-left corner at (x, y) (both even), clipped to the canvas."""
        h, w = image.y.shape
        h, w = min(h, self.height - y) & ~1, min(w, self.width - x) & ~1
        if h <= 0 or w <= 0:
            return
        p = self.picture
        p.y[y:y + h, x:x + w] = image.y[:h, :w]
        p.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = image.u[:h // 2, :w // 2]
        p.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = image.v[:h // 2, :w // 2]
