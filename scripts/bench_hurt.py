"""Benchmark "it hurts": how soon after the key h the session's sound stops (the goal: 0.3 s).

    .venv/bin/python scripts/bench_hurt.py [--program beginning] [--repeat 10] [--engine espeak]

Needs PulseAudio (scripts/setup.sh --dev installs it). Each time, `voicecoach play PROGRAM --from 1`
runs in a pseudo-terminal through a private PulseAudio whose pipe sink is paced by the system clock
(tests/sink.py); once it sounds, h is pressed a little later, in exercise 1. The time is from the
key to the last sample of the session heard as exported (the sink's clock places every sample;
the session before the key is found in the export to the sample, and the capture is followed
until it stops being the export). Then q ends the session (the answer to what to do next). A key
pressed in a silence says nothing about when the sound stopped: it is pressed again, not counted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sink import RATE, Sink, cut_index, sample_clock  # noqa: E402 - the tests' own real-time sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", default="beginning")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--engine", default="espeak")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    sink = Sink(work)
    env = {**sink.env, "VOICECOACH_CACHE_DIR": str(work / "cache")}
    exported = work / "session.wav"
    subprocess.run([sys.executable, "-m", "voicecoach", "export", args.program, "--from", "1", "-o", str(exported),
                    "--engine", args.engine], env={**env, "VOICECOACH_DATA_DIR": str(work / "export")}, check=True,
                   capture_output=True)
    with wave.open(str(exported)) as audio:
        session = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    stops, skipped, attempt = [], 0, 0
    random.seed(7)
    try:
        while len(stops) < args.repeat:
            attempt += 1
            data = work / f"data-{attempt}"  # a history of its own: what hurt is not left out next time
            mark = sink.mark()
            child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", args.program, "--from", "1",
                                                   "--no-check-in", "--engine", args.engine],
                                  env={**env, "VOICECOACH_DATA_DIR": str(data)}, encoding="utf-8", timeout=60)
            if sink.first_sound_after(mark, timeout_s=60) is None:
                raise SystemExit("no sound arrived")
            time.sleep(random.uniform(1.0, 4.0))
            pressed = time.monotonic()
            child.send("h")
            time.sleep(1.5)
            zero = sample_clock(sink)
            captured = np.frombuffer(sink.captured(), dtype="<i2")
            cut = cut_index(captured, session, int((pressed - zero) * RATE))
            child.send("q")  # end the session, as the listener's answer
            child.expect(pexpect.EOF)
            child.close()
            if cut is None:
                skipped += 1
            else:
                stops.append((zero + cut / RATE - pressed) * 1000)
            if skipped > args.repeat * 3:
                raise SystemExit("the key kept falling in silence; try another --program")
    finally:
        sink.close()
    print(f"{args.program}, {args.engine}: h pressed {len(stops)} times in exercise 1 ({skipped} in a silence, "
          "not counted)")
    print(f"  h to the session's sound stopping: median {statistics.median(stops):.0f} ms, "
          f"min {min(stops):.0f}, max {max(stops):.0f}")


if __name__ == "__main__":
    main()
