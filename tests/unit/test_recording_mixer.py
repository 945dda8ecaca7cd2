"""The recording's audio mix: sums inputs, never wraps around, silence when nobody speaks."""

from __future__ import annotations

import numpy as np

from control.recording.mixer import MAX_BUFFER, PREBUFFER, AudioMixer


def _constant(value: int, n: int) -> np.ndarray:
    return np.full((n, 2), value, np.int16)


def _pulled(mixer: AudioMixer, n: int) -> np.ndarray:
    return mixer.pull(n)


def test_nothing_to_mix_is_silence_of_the_asked_length() -> None:
    mixer = AudioMixer()
    assert _pulled(mixer, 480).shape == (480, 2) and not _pulled(mixer, 480).any()


def test_inputs_are_summed_once_each_has_prebuffered() -> None:
    mixer = AudioMixer()
    mixer.add("a")
    mixer.add("b")
    mixer.push("a", _constant(1000, PREBUFFER))
    mixer.push("b", _constant(200, PREBUFFER - 1))  # not yet playing
    assert set(_pulled(mixer, 100).ravel()) == {1000}
    mixer.push("b", _constant(200, 1))
    assert set(_pulled(mixer, 100).ravel()) == {1200}


def test_a_loud_sum_is_scaled_down_instead_of_wrapping_around() -> None:
    mixer = AudioMixer()
    for name in "abc":
        mixer.add(name)
        mixer.push(name, _constant(20_000, PREBUFFER))
    out = _pulled(mixer, 10)
    assert out.min() > 0 and out.max() == 32_767


def test_an_input_that_runs_dry_leaves_silence_and_a_removed_input_is_gone() -> None:
    mixer = AudioMixer()
    mixer.add("a")
    mixer.push("a", _constant(500, PREBUFFER))
    out = _pulled(mixer, PREBUFFER + 100)
    assert (out[:PREBUFFER] == 500).all() and not out[PREBUFFER:].any()
    mixer.push("a", _constant(500, PREBUFFER))
    mixer.remove("a")
    assert not _pulled(mixer, 100).any()


def test_a_buffer_that_grows_beyond_its_bound_drops_its_oldest_audio() -> None:
    mixer = AudioMixer()
    mixer.add("a")
    for value in range(1, 40):
        mixer.push("a", _constant(value, 960))
    out = _pulled(mixer, 40 * 960)
    assert out[0, 0] > 1 and np.count_nonzero(out[:, 0]) <= MAX_BUFFER
