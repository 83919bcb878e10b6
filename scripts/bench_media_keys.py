"""Benchmark the media keys: how soon a PlayPause on the D-Bus session bus is heard.

    .venv/bin/python scripts/bench_media_keys.py [--program intermediate] [--repeat 10] [--engine espeak]

Needs PulseAudio and dbus-daemon (scripts/setup.sh --dev installs them). It starts a private
session bus (tests/bus.py) and a private PulseAudio whose pipe sink is paced by the system clock
(tests/sink.py), plays the session, and sends PlayPause from another connection on the bus, as a
headset button's daemon or the desktop's media widget would; `--repeat` pauses and as many resumes.

- pause: from the PlayPause call to the last sample of the session heard as exported. Each
  sample of the capture is placed in time by the sink's clock: the pipe is written at the system
  clock's pace, a block at a time, each at the start of the time it stands for (sample_clock).
  The session before the call is found in the export to the sample; where the capture stops
  being the export (the session cut, "Paused." begins) is the moment the listener hears the pause.
- resume: from the next PlayPause call to the first audible sample ("Resuming."), placed in time
  the same way.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bus import Remote, SessionBus  # noqa: E402 - the same bus and remote control the tests use
from tests.sink import RATE, SILENT, Sink, cut_index, sample_clock  # noqa: E402 - the tests' own real-time sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", default="intermediate")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--engine", default="espeak")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    sink, bus = Sink(work), SessionBus()
    env = bus.env({**sink.env, "VOICECOACH_CACHE_DIR": str(work / "cache"), "VOICECOACH_DATA_DIR": str(work)})
    exported = work / "session.wav"
    subprocess.run([sys.executable, "-m", "voicecoach", "export", args.program, "-o", str(exported), "--engine",
                    args.engine], env=env, check=True, capture_output=True)
    with wave.open(str(exported)) as audio:
        session = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    remote = Remote(bus.address)
    player = subprocess.Popen([sys.executable, "-m", "voicecoach", "play", args.program, "--quiet", "--no-check-in", "--engine",
                               args.engine], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pauses, resumes, skipped = [], [], 0
    try:
        remote.wait_for_player()
        if sink.first_sound_after(sink.mark(), timeout_s=60) is None:
            raise SystemExit("no sound arrived")
        time.sleep(1.0)
        while len(pauses) < args.repeat:
            called = time.monotonic()
            remote.call("PlayPause")
            time.sleep(2.0)  # the cut, then "Paused."
            zero = sample_clock(sink)
            captured = np.frombuffer(sink.captured(), dtype="<i2")
            cut = cut_index(captured, session, int((called - zero) * RATE))
            resumed = time.monotonic()
            remote.call("PlayPause")
            time.sleep(1.5)  # "Resuming.", and the session again
            zero = sample_clock(sink)
            captured = np.frombuffer(sink.captured(), dtype="<i2")
            after = int((resumed - zero) * RATE)
            sounding = np.flatnonzero(np.abs(captured[after:]) > SILENT)
            heard = zero + (after + int(sounding[0])) / RATE if len(sounding) else None
            if cut is None or heard is None:
                skipped += 1  # paused in a silence: no sample says when the session stopped
            else:
                pauses.append((zero + cut / RATE - called) * 1000)
                resumes.append((heard - resumed) * 1000)
            time.sleep(0.5)
            if skipped > args.repeat * 2:
                raise SystemExit("the session kept being paused in silence; try another --program")
    finally:
        player.kill()
        remote.close()
        bus.close()
        sink.close()
    print(f"{args.program}, {args.engine}: {len(pauses)} pauses and resumes through PlayPause on the session bus "
          f"({skipped} paused in silence, not counted)")
    for name, values in (("PlayPause to the session cut", pauses), ("PlayPause to sound again", resumes)):
        print(f"  {name}: median {statistics.median(values):.0f} ms, min {min(values):.0f}, max {max(values):.0f}")


if __name__ == "__main__":
    main()
