"""Benchmark: the web client's microphone chain in Chromium (Debian's), on the built assets
(webclient/dist) served under the app's own Content-Security-Policy.

- added latency of noise suppression: the test signal (tests/support/voice_signal: speech-like
  bursts over pink noise) rendered through the voice worklet in an OfflineAudioContext with
  suppression on, the delay found by cross-correlating output with input (the same worklet with
  suppression off adds none: checked and reported). RNNoise works on 480-sample frames and the
  render quantum is 128 samples, so the worklet buffers (448 samples by design, see
  webclient/src/voice/rnnoise.ts); RNNoise's own overlap-add delays one frame more (480
  samples, 10 ms), inherent to the algorithm. Both are reported: `total_ms` is what a listener
  gets, `buffering_ms` the part the framing adds;
- CPU per stream: render time of 60 s of audio through the worklet with suppression on, minus
  the same with it off (RNNoise's cost), and minus a graph without the worklet (the whole
  chain's cost), as % of one core: offline rendering runs on one thread as fast as it can; the
  fastest of --runs is kept, the machine being shared.

Prints JSON lines; never asserted in tests. Goals: < 10 ms added latency, < 5 % of one core.

    .venv/bin/python bench/voice.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import http.server
import threading

import numpy as np
from playwright.async_api import async_playwright

from common import ROOT, emit
from control.security_headers import app_policy
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.voice_signal import RATE, make_signal

DIST = ROOT / "webclient" / "dist"
# RNNoise's own delay: its overlap-add synthesis outputs a frame one frame late.
RNNOISE_FRAME = 480

# Renders base64 float32 `input` through the voice worklet (`suppression` on or off; null: no
# worklet at all) in an OfflineAudioContext; returns the output (base64 float32) and the render
# time in ms.
RENDER = """async ({ input, suppression, assets }) => {
  const samples = new Float32Array(Uint8Array.from(atob(input), (c) => c.charCodeAt(0)).buffer);
  const ctx = new OfflineAudioContext(1, samples.length, 48000);
  const rnnoise = await WebAssembly.compile(await (await fetch(assets.wasm)).arrayBuffer());
  await ctx.audioWorklet.addModule(assets.voice);
  const buffer = ctx.createBuffer(1, samples.length, 48000);
  buffer.copyToChannel(samples, 0);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  if (suppression === null) {
    source.connect(ctx.destination);
  } else {
    const voice = new AudioWorkletNode(ctx, "peershare-voice",
      { outputChannelCount: [1], channelCount: 1, channelCountMode: "explicit", processorOptions: { rnnoise } });
    await new Promise((resolve) => { voice.port.onmessage = ({ data }) => data === "ready" && resolve(); });
    voice.port.postMessage({ suppression, mode: "always", sensitivity: 50, talking: false });
    source.connect(voice);
    voice.connect(ctx.destination);
  }
  source.start();
  const started = performance.now();
  const rendered = await ctx.startRendering();
  const ms = performance.now() - started;
  const out = rendered.getChannelData(0);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { output: btoa(text), ms };
}"""


def asset(pattern: str) -> str:
    [path] = sorted((DIST / "assets").glob(pattern))
    return f"/assets/{path.name}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The built client, with the policy the node serves it under."""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", app_policy(self.headers.get("Host")))
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def encode(x: np.ndarray) -> str:
    return base64.b64encode(x.astype("<f4").tobytes()).decode()


def decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)


def delay_samples(reference: np.ndarray, output: np.ndarray, max_lag: int = 4800) -> int:
    """The lag (0..max_lag samples) at which `output` best matches `reference`."""
    n = len(reference) - max_lag
    scores = [float(np.dot(reference[:n], output[lag:lag + n])) for lag in range(max_lag)]
    return int(np.argmax(scores))


async def run(args: argparse.Namespace) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    assets = {"wasm": asset("rnnoise_simd-*.wasm"), "voice": asset("voiceWorklet-*.js")}
    signal = make_signal().samples
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.goto(url)

            # Latency: 3 s of the loop (the bursts carry the match).
            short = signal[: 3 * RATE]
            delays = {}
            for suppression in (False, True):
                result = await page.evaluate(RENDER, {"input": encode(short), "suppression": suppression, "assets": assets})
                delays[suppression] = delay_samples(short, decode(result["output"]))
            total = delays[True]
            emit(bench="voice_suppression_latency", total_samples=total, total_ms=round(1000 * total / RATE, 2),
                 buffering_samples=total - RNNOISE_FRAME, buffering_ms=round(1000 * (total - RNNOISE_FRAME) / RATE, 2),
                 rnnoise_frame_ms=round(1000 * RNNOISE_FRAME / RATE, 2), suppression_off_samples=delays[False], goal_ms=10)

            # CPU: 60 s of audio per render.
            long = np.tile(signal, int(np.ceil(60 * RATE / len(signal))))[: 60 * RATE]
            seconds = len(long) / RATE
            times: dict[str, float] = {}
            for name, suppression in (("bare", None), ("off", False), ("on", True)):
                runs = [(await page.evaluate(RENDER, {"input": encode(long), "suppression": suppression, "assets": assets}))["ms"]
                        for _ in range(args.runs)]
                times[name] = min(runs)

            def percent(ms: float) -> float:
                return round(100 * ms / (1000 * seconds), 2)

            emit(bench="voice_cpu_per_stream", audio_s=seconds, render_ms={k: round(v, 1) for k, v in times.items()},
                 rnnoise_percent_of_one_core=percent(times["on"] - times["off"]),
                 chain_percent_of_one_core=percent(times["on"] - times["bare"]), goal_percent=5)
            await browser.close()
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
