"""Where each video goes on the recording's canvas: pure geometry, no pixels.

Cameras alone share a grid (1, 2, 2×2, 3×2, 3×3, … cells; a short last row is centred). A screen
share takes the large area above a strip of camera tiles (further screens join the strip).
Every coordinate and size is even, because the canvas is YUV 4:2:0 (chroma at half resolution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

Role = Literal["camera", "screen"]

# The strip under a screen share: this share of the canvas height.
STRIP_FRACTION = 0.25


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h


@dataclass(frozen=True)
class TileInput:
    id: str
    role: Role


def _even(value: float) -> int:
    return int(value) & ~1


def tiles(width: int, height: int, inputs: Sequence[TileInput]) -> dict[str, Rect]:
    """The tile of every input, in input order (the order people joined)."""
    screens = [i for i in inputs if i.role == "screen"]
    if not screens:
        return _grid(Rect(0, 0, width, height), [i.id for i in inputs])
    main, rest = screens[0], [i.id for i in inputs if i is not screens[0]]
    if not rest:
        return {main.id: Rect(0, 0, _even(width), _even(height))}
    strip_h = _even(height * STRIP_FRACTION)
    result = {main.id: Rect(0, 0, _even(width), _even(height) - strip_h)}
    result.update(_strip(Rect(0, _even(height) - strip_h, _even(width), strip_h), rest, width / height))
    return result


def _grid(area: Rect, ids: list[str]) -> dict[str, Rect]:
    if not ids:
        return {}
    cols = math.ceil(math.sqrt(len(ids)))
    rows = math.ceil(len(ids) / cols)
    cell_w, cell_h = _even(area.w / cols), _even(area.h / rows)
    result = {}
    for index, tile_id in enumerate(ids):
        row, col = divmod(index, cols)
        in_row = min(cols, len(ids) - row * cols)
        offset = _even((area.w - in_row * cell_w) / 2)  # centres a short last row
        result[tile_id] = Rect(area.x + offset + col * cell_w, area.y + row * cell_h, cell_w, cell_h)
    return result


def _strip(area: Rect, ids: list[str], aspect: float) -> dict[str, Rect]:
    """Tiles of the canvas's aspect side by side, as tall as the strip while they fit."""
    tile_w = min(_even(area.h * aspect), _even(area.w / len(ids)))
    offset = _even((area.w - tile_w * len(ids)) / 2)
    return {tile_id: Rect(area.x + offset + i * tile_w, area.y, tile_w, area.h) for i, tile_id in enumerate(ids)}


def fit(width: int, height: int, tile: Rect) -> Rect:
    """The largest rectangle of the source's aspect inside the tile, centred (letterboxed)."""
    scale = min(tile.w / width, tile.h / height)
    w, h = max(2, _even(width * scale)), max(2, _even(height * scale))
    return Rect(tile.x + _even((tile.w - w) / 2), tile.y + _even((tile.h - h) / 2), w, h)
