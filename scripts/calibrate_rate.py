"""Measure how fast each engine speaks at its own rate setting, over every line of the built-in
programs, as the listener hears it (words per minute of the shaped phrases, the measure of
tests/listening.py): the figures the engines' --rate calibration is fitted to.

    python scripts/calibrate_rate.py [--engine espeak|piper]

Prints, per engine setting, the measured rate; then the fitted mapping and how close it lands at
the rates a listener asks for.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicecoach.engines import engine_type  # noqa: E402
from voicecoach.program import builtin_names, load_builtin  # noqa: E402
from voicecoach.script import Options  # noqa: E402
from voicecoach.session import spoken_lines  # noqa: E402
from voicecoach.shape import shape_pcm  # noqa: E402

WORD = re.compile(r"[\w'-]+")


def lines() -> list[str]:
    """Every line of the built-ins, as often as a session says it (a session's words weigh so)."""
    out: list[str] = []
    for name in builtin_names():
        out += spoken_lines(load_builtin(name), Options())
    return out


def measured_wpm(engine, texts: list[str]) -> float:
    words = seconds = 0.0
    for text in texts:
        pcm = shape_pcm(engine.synthesize(text), engine.sample_rate_hz)
        words += len(WORD.findall(text))
        seconds += len(pcm) / 2 / engine.sample_rate_hz
    return words / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["espeak", "piper"], action="append")
    args = parser.parse_args()
    texts = lines()
    print(f"{len(texts)} lines, {sum(len(WORD.findall(t)) for t in texts)} words")
    for name in args.engine or ["espeak", "piper"]:
        kind = engine_type(name)
        if name == "espeak":
            settings = [100, 130, 160, 200, 250, 320, 400]
            attribute = "engine_rate"
        else:
            settings = [0.6, 0.8, 1.0, 1.25, 1.6, 2.0]
            attribute = "length_scale"
        print(f"\n{name}: {attribute} -> words a minute heard")
        for setting in settings:
            engine = kind(rate_wpm=150)
            setattr(engine, attribute, setting)
            print(f"  {setting:>6}  {measured_wpm(engine, texts):6.1f}")
        print(f"\n{name}: --rate -> words a minute heard, calibrated")
        for asked in (100, 150, 200, 250):
            wpm = measured_wpm(kind(rate_wpm=asked), texts)
            print(f"  {asked:>6}  {wpm:6.1f}  ({100 * (wpm / asked - 1):+.1f}%)")


if __name__ == "__main__":
    main()
