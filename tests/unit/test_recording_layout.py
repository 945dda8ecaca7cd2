"""The recording's tile geometry: grids that re-flow, a screen share's large tile, letterboxing."""

from __future__ import annotations

import itertools

import pytest

from control.recording.layout import Rect, TileInput, fit, tiles


def cameras(n: int) -> list[TileInput]:
    return [TileInput(f"c{i}", "camera") for i in range(n)]


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize(("n", "cols", "rows"), [(1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 2, 2), (5, 3, 2),
                                                 (6, 3, 2), (7, 3, 3), (9, 3, 3), (10, 4, 3)])
def test_cameras_share_a_grid_of_the_expected_shape(n: int, cols: int, rows: int) -> None:
    rects = tiles(1280, 720, cameras(n))
    assert {r.w for r in rects.values()} == {(1280 // cols) & ~1}
    assert {r.h for r in rects.values()} == {(720 // rows) & ~1}
    assert len({r.y for r in rects.values()}) == rows


@pytest.mark.parametrize("n", range(1, 13))
def test_tiles_stay_on_the_canvas_do_not_overlap_and_are_even(n: int) -> None:
    for inputs in (cameras(n), [TileInput("s", "screen"), *cameras(n - 1)]):
        rects = list(tiles(1920, 1080, inputs).values())
        assert len(rects) == n
        for r in rects:
            assert 0 <= r.x and r.x + r.w <= 1920 and 0 <= r.y and r.y + r.h <= 1080
            assert r.x % 2 == r.y % 2 == r.w % 2 == r.h % 2 == 0
        assert not any(_overlap(a, b) for a, b in itertools.combinations(rects, 2))


def test_a_short_last_row_is_centred() -> None:
    rects = tiles(1280, 720, cameras(3))
    assert rects["c2"] == Rect(320, 360, 640, 360)


def test_a_screen_share_takes_the_large_tile_above_a_strip_of_cameras() -> None:
    inputs = [TileInput("a", "camera"), TileInput("s", "screen"), TileInput("b", "camera")]
    rects = tiles(1280, 720, inputs)
    assert rects["s"] == Rect(0, 0, 1280, 540)
    assert rects["a"] == Rect(320, 540, 320, 180) and rects["b"] == Rect(640, 540, 320, 180)


def test_a_lone_screen_share_fills_the_canvas_and_a_second_joins_the_strip() -> None:
    assert tiles(1280, 720, [TileInput("s", "screen")]) == {"s": Rect(0, 0, 1280, 720)}
    rects = tiles(1280, 720, [TileInput("s", "screen"), TileInput("t", "screen")])
    assert rects["s"].h == 540 and rects["t"].y == 540


def test_many_cameras_under_a_screen_narrow_to_fit_the_strip() -> None:
    rects = tiles(1280, 720, [TileInput("s", "screen"), *cameras(8)])
    assert {r.w for k, r in rects.items() if k != "s"} == {160}


def test_fit_letterboxes_keeping_the_aspect_centred() -> None:
    assert fit(640, 480, Rect(0, 0, 640, 360)) == Rect(80, 0, 480, 360)
    assert fit(1920, 1080, Rect(0, 0, 1280, 540)) == Rect(160, 0, 960, 540)
    assert fit(1280, 720, Rect(100, 100, 320, 180)) == Rect(100, 100, 320, 180)
