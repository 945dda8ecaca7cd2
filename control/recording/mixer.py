"""Mixes every audio input into one 48 kHz stereo s16 stream on the recording's clock.

Each input has its own buffer: packets arrive in bursts, the mix is pulled at a steady rate.
A buffer starts playing once it holds PREBUFFER of audio (and again after it ran dry), and
never holds more than MAX_BUFFER (the oldest audio goes), so an input lags by a bounded amount.
"""

from __future__ import annotations

from collections import deque

import numpy as np

RATE = 48_000
CHANNELS = 2
PREBUFFER = RATE * 60 // 1000
MAX_BUFFER = RATE * 300 // 1000
_LIMIT = 32_767


class _InputBuffer:
    def __init__(self) -> None:
        self.chunks: deque[np.ndarray] = deque()
        self.samples = 0
        self.playing = False

    def push(self, samples: np.ndarray) -> None:
        self.chunks.append(samples)
        self.samples += len(samples)
        while self.samples - len(self.chunks[0]) >= MAX_BUFFER:
            self.samples -= len(self.chunks.popleft())
        if self.samples >= PREBUFFER:
            self.playing = True

    def pull_into(self, out: np.ndarray) -> None:
        """Adds up to len(out) samples into `out` (int32); stops playing when it runs dry."""
        if not self.playing:
            return
        filled = 0
        while filled < len(out) and self.chunks:
            chunk = self.chunks[0]
            take = min(len(chunk), len(out) - filled)
            out[filled:filled + take] += chunk[:take]
            filled += take
            if take == len(chunk):
                self.chunks.popleft()
            else:
                self.chunks[0] = chunk[take:]
        self.samples -= filled
        if not self.chunks:
            self.playing = False


class AudioMixer:
    def __init__(self) -> None:
        self._inputs: dict[str, _InputBuffer] = {}

    def add(self, input_id: str) -> None:
        self._inputs[input_id] = _InputBuffer()

    def remove(self, input_id: str) -> None:
        self._inputs.pop(input_id, None)

    def push(self, input_id: str, samples: np.ndarray) -> None:
        """Decoded audio of one input: int16, shape (n, CHANNELS)."""
        buffer = self._inputs.get(input_id)
        if buffer is not None:
            buffer.push(samples)

    def pull(self, count: int) -> np.ndarray:
        """The next `count` mixed samples, int16 of shape (count, CHANNELS); silence where nobody speaks."""
        mix = np.zeros((count, CHANNELS), np.int32)
        for buffer in self._inputs.values():
            buffer.pull_into(mix)
        peak = int(np.abs(mix).max(initial=0))
        if peak > _LIMIT:
            # Scaled rather than clipped: clipping a sum of tones is harsh distortion.
            mix = mix * _LIMIT // peak
        return mix.astype(np.int16)
