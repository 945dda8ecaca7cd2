"""The recording's canvas and its name labels: drawing in YUV 4:2:0, clipped to the canvas."""

from __future__ import annotations

import numpy as np

from control.recording import labels
from control.recording.canvas import Canvas, Picture
from control.recording.layout import Rect


def _solid(w: int, h: int, yuv: tuple[int, int, int]) -> Picture:
    return Picture(np.full((h, w), yuv[0], np.uint8), np.full((h // 2, w // 2), yuv[1], np.uint8),
                   np.full((h // 2, w // 2), yuv[2], np.uint8))


def test_fill_and_paste_change_only_their_rectangle_in_every_plane() -> None:
    canvas = Canvas(64, 32)
    canvas.fill(Rect(0, 0, 64, 32), (16, 128, 128))
    canvas.paste(_solid(8, 4, (200, 50, 60)), 10, 6)
    p = canvas.picture
    assert (p.y[6:10, 10:18] == 200).all() and (p.u[3:5, 5:9] == 50).all() and (p.v[3:5, 5:9] == 60).all()
    assert int(p.y.sum()) == 16 * (64 * 32 - 32) + 200 * 32
    assert np.frombuffer(memoryview(canvas.frame.planes[0]), np.uint8).reshape(32, -1)[6, 10] == 200


def test_a_picture_that_overhangs_the_canvas_is_clipped() -> None:
    canvas = Canvas(64, 32)
    canvas.paste(_solid(40, 40, (100, 100, 100)), 40, 20)
    assert (canvas.picture.y[20:, 40:] == 100).all()


def test_a_label_is_white_text_on_a_dark_box_no_wider_than_allowed() -> None:
    picture = labels.label("Ada Lovelace", 24, 60)
    assert picture.y.shape == (24, 60)
    assert picture.y.max() > 200 and np.median(picture.y) < 40


def test_a_placeholder_fills_its_tile_with_grey_and_shows_the_name() -> None:
    picture = labels.placeholder("Bo", 320, 180)
    assert picture.y.shape == (180, 320)
    assert 40 < np.median(picture.y) < 60 and picture.y.max() > 200
