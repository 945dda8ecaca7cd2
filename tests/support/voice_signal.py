"""Test signals for the voice chain, and how to read them back from a recording.

The signal: a 6 s loop of three 2 s cycles, each 1.2 s of noise alone then a 0.8 s speech-like
burst over the same noise. A burst is three syllables of a voiced vowel: a glottal-like pulse
train (harmonics falling 6 dB/octave, pitch gliding 150 -> 220 Hz with 5 Hz vibrato) shaped
by the vowel's first three formants (/a/, /i/, /u/ resonances), each syllable amplitude
modulated (a 3.75 Hz syllable rate). Plain tone bursts are not what RNNoise is trained on and
it suppresses them as noise; formant-shaped pulse trains it keeps as speech. The noise is pink
(1/f power), stationary, like a fan or a room."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48_000
CYCLE_S = 2.0
BURST_S = 0.8
GAP_S = CYCLE_S - BURST_S
CYCLES = 3
# Vowel formants (Hz) and bandwidths (Hz), after Peterson & Barney.
VOWELS = {"a": (730, 1090, 2440), "i": (270, 2290, 3010), "u": (300, 870, 2240)}
BANDWIDTHS = (90, 110, 170)


def db(power: float) -> float:
    return float(10 * np.log10(max(power, 1e-12)))


def rms_db(x: np.ndarray) -> float:
    return db(float(np.mean(np.square(x, dtype=np.float64)))) if len(x) else -120.0


def _formant_gain(freqs: np.ndarray, formants: tuple[int, int, int]) -> np.ndarray:
    gain = np.zeros_like(freqs)
    for f, bw in zip(formants, BANDWIDTHS):
        gain += 1.0 / np.sqrt(1.0 + ((freqs - f) / (bw / 2)) ** 2)
    return gain


def speech_burst(seconds: float = BURST_S, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    f0 = 150 + 70 * t / seconds + 4 * np.sin(2 * np.pi * 5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    syllable_s = seconds / 3
    vowel = np.minimum((t / syllable_s).astype(int), 2)
    out = np.zeros_like(t)
    for k in range(1, int(5000 / 150) + 1):
        freqs = k * f0
        gain = np.zeros_like(t)
        for index, name in enumerate("aiu"):
            mask = vowel == index
            gain[mask] = _formant_gain(freqs[mask], VOWELS[name])
        out += gain * np.sin(k * phase) / k * (freqs < 5000)
    # Syllables: each rises and falls (never to silence within the burst), with 20 ms edges.
    within = (t % syllable_s) / syllable_s
    envelope = 0.35 + 0.65 * np.sin(np.pi * within)
    edge = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)
    return out * envelope * edge


def pink_noise(samples: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    freqs = np.fft.rfftfreq(samples, 1 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    return np.fft.irfft(spectrum, samples)


def scaled(x: np.ndarray, level_db: float) -> np.ndarray:
    return x * 10 ** ((level_db - rms_db(x)) / 20)


@dataclass(frozen=True)
class TestSignal:
    samples: np.ndarray
    speech_db: float
    noise_db: float


def make_signal(speech_db: float = -20.0, noise_db: float = -45.0, seed: int = 7) -> TestSignal:
    """The loop: noise throughout at `noise_db` RMS, bursts at `speech_db` RMS (over a burst)."""
    total = int(CYCLES * CYCLE_S * RATE)
    noise = scaled(pink_noise(total, np.random.default_rng(seed)), noise_db)
    burst = scaled(speech_burst(), speech_db)
    speech = np.zeros(total)
    for cycle in range(CYCLES):
        start = int((cycle * CYCLE_S + GAP_S) * RATE)
        speech[start:start + len(burst)] = burst
    return TestSignal(samples=speech + noise, speech_db=speech_db, noise_db=noise_db)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


# --- reading a recording back ---

FRAME_S = 0.01


def frame_db(x: np.ndarray, rate: int = RATE) -> np.ndarray:
    n = int(FRAME_S * rate)
    frames = x[: len(x) // n * n].reshape(-1, n).astype(np.float64)
    return 10 * np.log10(np.maximum(np.mean(frames ** 2, axis=1), 1e-12))


def find_bursts(x: np.ndarray, threshold_db: float, rate: int = RATE) -> list[tuple[int, int]]:
    """The bursts in a recording, as (start, end) sample indices: runs of 10 ms frames above
    `threshold_db`, runs closer than 150 ms merged (a syllable's dip), runs under 300 ms
    dropped (a noise peak). Only whole bursts: one cut by the recording's edges is left out."""
    loud = frame_db(x, rate) > threshold_db
    runs: list[list[int]] = []
    for i, on in enumerate(loud):
        if not on:
            continue
        if runs and i - runs[-1][1] <= 15:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    frames_in = len(loud)
    step = int(FRAME_S * rate)
    return [(a * step, b * step) for a, b in runs if b - a >= 30 and a > 0 and b < frames_in]


@dataclass(frozen=True)
class Reading:
    bursts: list[tuple[int, int]]
    burst_db: float
    gap_db: float


def read_recording(x: np.ndarray, threshold_db: float, rate: int = RATE) -> Reading:
    """Bursts found by level (no wall-clock guess), their power over the burst's known length
    from its detected onset, and the power of the noise-only stretches between bursts: from
    0.5 s after a burst (past the gate's 0.3 s hold and its release) to 0.15 s before the next."""
    bursts = find_bursts(x, threshold_db, rate)
    burst_len = int(BURST_S * rate)
    burst_power = [float(np.mean(np.square(x[a:a + burst_len], dtype=np.float64))) for a, _ in bursts]
    after, before = int(0.5 * rate), int(0.15 * rate)
    gaps = [x[end + after:start - before] for (_, end), (start, _) in zip(bursts, bursts[1:]) if start - end > after + before]
    gap_samples = np.concatenate(gaps) if gaps else np.zeros(0)
    return Reading(bursts=bursts, burst_db=db(float(np.mean(burst_power))) if burst_power else -120.0,
                   gap_db=rms_db(gap_samples))
