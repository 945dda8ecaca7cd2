"""Name labels and "no video" placeholders, rendered once per name and size with Pillow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from av import VideoFrame
from PIL import Image, ImageDraw, ImageFont

from control.recording.canvas import Picture

# Debian's fonts-dejavu-core; Pillow's own font when it is missing.
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
TEXT = (255, 255, 255)
LABEL_BACKGROUND = (24, 24, 24)
PLACEHOLDER_BACKGROUND = (40, 40, 40)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size)


def _picture(image: Image.Image) -> Picture:
    frame = VideoFrame.from_ndarray(np.asarray(image), format="rgb24").reformat(format="yuv420p")
    planes = Picture.of_frame(frame)
    # Copies: the frame's buffers go away with the frame.
    return Picture(planes.y.copy(), planes.u.copy(), planes.v.copy())


def _even(value: float) -> int:
    return max(2, int(value + 1) & ~1)


@lru_cache(maxsize=256)
def label(text: str, height: int, max_width: int) -> Picture:
    """White text on a dark box `height` pixels tall, at most `max_width` wide (cut short)."""
    font = _font(max(8, int(height * 0.65)))
    pad = height // 3
    width = _even(min(max_width, font.getlength(text) + 2 * pad))
    image = Image.new("RGB", (width, _even(height)), LABEL_BACKGROUND)
    ImageDraw.Draw(image).text((pad, height / 2), text, font=font, fill=TEXT, anchor="lm")
    return _picture(image)


@lru_cache(maxsize=64)
def placeholder(text: str, width: int, height: int) -> Picture:
    """A tile with no picture: the name, centred on dark grey."""
    font = _font(max(10, min(height // 6, int(width / max(4, len(text)) * 1.4))))
    image = Image.new("RGB", (_even(width), _even(height)), PLACEHOLDER_BACKGROUND)
    ImageDraw.Draw(image).text((width / 2, height / 2), text, font=font, fill=TEXT, anchor="mm")
    return _picture(image)
