"""Benchmark live playback through a real-time sink: time to first sound, and drift at every cue.

    .venv/bin/python scripts/bench_play.py [--program intermediate] [--repeat 3] [--engine piper --engine espeak]

Needs PulseAudio (apt-get install --no-install-recommends pulseaudio libasound2-plugins). It
starts its own PulseAudio with a pipe sink paced by the system clock, routes ALSA to it, and
reads the pipe in real time, so the capture is what a listener would hear, when they would hear
it (FIELD_NOTES: bit-exact, 3.02 s of wall clock for 3.0 s of audio here).

- first sound: from starting `voicecoach play` to the first audible sample arriving at the sink,
  with an empty phrase cache (cold) and a filled one (warm), for each engine (Piper's cold start
  includes importing onnxruntime and loading the voice);
- drift: the whole session is played; every hold-start, hold-end and next-exercise cue is found
  in the capture by normalized cross-correlation and its time, relative to the first cue, is
  compared with the script's (`show --json`, same options). Sample positions in the capture are
  real time because the sink writes at the system clock's pace and fills idle time with silence.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio import find_sound  # noqa: E402 - the same cue finder the tests use
from tests.sink import RATE, Sink, available  # noqa: E402 - the same real-time sink the tests use
from voicecoach.cues import load_cues  # noqa: E402


def first_sound(sink: Sink, program: str, cache: Path, engine: str, listen: str = "off") -> float:
    # a history of its own: the benchmark's sessions are not the user's
    env = {**sink.env, "VOICECOACH_CACHE_DIR": str(cache), "VOICECOACH_DATA_DIR": str(cache.parent / "data")}
    mark = sink.mark()
    started = time.monotonic()
    # no check-ins: with a microphone play can be answered, and would ask before the session
    player = subprocess.Popen([sys.executable, "-m", "voicecoach", "play", program, "--quiet", "--engine", engine,
                               f"--{'no-' if listen == 'off' else ''}listen", "--no-check-in"],
                              env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    heard = sink.first_sound_after(mark, timeout_s=30)
    player.send_signal(signal.SIGTERM)  # SIGINT is ignored in background jobs; play stops on both
    player.wait(timeout=30)
    if heard is None:
        raise SystemExit(f"no sound arrived: {player.stderr.read().decode()}")
    time.sleep(0.3)
    return heard - started


def drift(sink: Sink, program: str, cache: Path) -> tuple[int, float, float, float]:
    """(cues compared, worst drift ms, drift of the last cue ms, session length s)."""
    env = {**sink.env, "VOICECOACH_CACHE_DIR": str(cache), "VOICECOACH_DATA_DIR": str(cache.parent / "data")}
    shown = subprocess.run([sys.executable, "-m", "voicecoach", "show", program, "--json"], env=env,
                           capture_output=True, text=True, check=True)
    data = json.loads(shown.stdout)
    mark = sink.mark()
    subprocess.run([sys.executable, "-m", "voicecoach", "play", program, "--quiet"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    audio = sink.audio_since(mark)
    cues = {name: np.frombuffer(pcm, dtype=np.int16).astype(np.float32) for name, pcm in load_cues(RATE).items()}
    found: list[tuple[int, str]] = []
    expected: list[tuple[int, str]] = []
    for name in ("next-exercise", "hold-start", "hold-end"):
        found += [(frame, name) for frame in find_sound(audio, cues[name])]
        expected += [(round(e["start"] * RATE), name) for e in data["events"] if e["cue"] == name]
    found.sort()
    expected.sort()
    if [name for _, name in found] != [name for _, name in expected]:
        raise SystemExit(f"found {len(found)} cues, expected {len(expected)}: the capture does not match the script")
    offsets = [(f - f0) - (e - e0) for (f, _), (e, _), f0, e0 in
               ((a, b, found[0][0], expected[0][0]) for a, b in zip(found, expected))]
    worst = max(abs(o) for o in offsets) * 1000 / RATE
    return len(found), worst, offsets[-1] * 1000 / RATE, data["duration"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--program", default="intermediate")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-drift", action="store_true", help="only measure the time to first sound")
    parser.add_argument("--engine", action="append", help="engines to measure (default: piper and espeak)")
    parser.add_argument("--listen", choices=("off", "on", "both"), default="both",
                        help="first sound with play listening for spoken commands (the sink has a microphone), "
                             "without, or both side by side")
    args = parser.parse_args()
    if not available():
        raise SystemExit("bench_play.py needs PulseAudio: apt-get install --no-install-recommends pulseaudio "
                         "libasound2-plugins")
    work = Path(tempfile.mkdtemp(prefix="voicecoach-play-bench-"))
    sink = Sink(work, microphone=True)  # a virtual microphone (silent): what play --listen opens
    try:
        engines = args.engine or ["piper", "espeak"]
        listens = ["off", "on"] if args.listen == "both" else [args.listen]
        times: dict[tuple[str, str], tuple[list[float], list[float]]] = {
            (engine, listen): ([], []) for engine in engines for listen in listens}
        for n in range(args.repeat):  # engines and listening interleaved, so a noisy moment hits all alike
            for engine, listen in times:
                cache = work / f"cache-{engine}-{listen}-{n}"
                times[engine, listen][0].append(first_sound(sink, args.program, cache, engine, listen))
                times[engine, listen][1].append(first_sound(sink, args.program, cache, engine, listen))
        print(f"Time to first sound, '{args.program}', median of {args.repeat} (all runs)")
        for (engine, listen), (cold, warm) in times.items():
            label = f"{engine}, listening {listen}"
            print(f"  {label:<22} cold cache: {statistics.median(cold):.3f} s  ({', '.join(f'{t:.3f}' for t in cold)})")
            print(f"  {label:<22} warm cache: {statistics.median(warm):.3f} s  ({', '.join(f'{t:.3f}' for t in warm)})")
        if args.skip_drift:
            return
        count, worst, last, length = drift(sink, args.program, work / f"cache-{engines[0]}-{listens[0]}-0")
        print(f"Drift over the whole '{args.program}' session ({length / 60:.1f} min, {count} cues found in the capture)")
        print(f"  worst at any cue: {worst:.2f} ms; at the last cue: {last:+.2f} ms")
    finally:
        sink.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
