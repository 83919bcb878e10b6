"""Benchmark the clinician's report over a year of daily sessions: the time `voicecoach report`
takes (a whole process: Python's start, the imports, reading the history, laying out the pages) and
the size of what it writes, for every format, side by side in one run.

    .venv/bin/python scripts/bench_report.py [--days 365] [--repeat 5]

The history is made in a folder of its own (never the user's): one logged session a day, pain
before and after varying over the year, a next-morning answer every third day, a stop for pain
every 20th, with a plan started at its first day. Goals (issue 27): under 5 s and under 1 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = ("pdf", "html", "csv", "json", "fhir")


def make_history(folder: Path, days: int) -> None:
    os.environ["VOICECOACH_DATA_DIR"] = str(folder)
    from voicecoach.checkin import END, Hurt
    from voicecoach.history import HURT, history_path, logged_record, record
    from voicecoach.program import load_builtin
    from voicecoach.progress import Progress, Change, write_progress
    from voicecoach.settings import Settings

    program = load_builtin("beginning")
    now = datetime.now().astimezone().replace(hour=18, minute=30, second=0, microsecond=0)
    first = now - timedelta(days=days - 1)
    for day in range(days):
        when = first + timedelta(days=day)
        entry = logged_record("beginning", program, Settings(), length_ms=900_000 + day * 7,
                              exercise_starts_ms=[0] * len(program.exercises), now=when,
                              pain_before=(day * 7) % 11, pain_after=(day * 5 + 3) % 11,
                              next_morning=("better", "same", "worse")[day % 3] if day % 3 == 0 else None)
        if day % 20 == 19:
            entry = replace(entry, ending=HURT, hurt=Hurt(2, program.exercises[2].name, END), completed=2)
        record(entry, history_path())
    write_progress(Progress(plan="back", program="beginning", since=first.date(),
                            changes=(Change(first.date(), "start", "beginning"),)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as work:
        folder = Path(work)
        make_history(folder / "data", args.days)
        env = {**os.environ, "VOICECOACH_DATA_DIR": str(folder / "data"),
               "VOICECOACH_CONFIG_DIR": str(folder / "config")}
        times: dict[str, list[float]] = {form: [] for form in FORMATS}
        sizes: dict[str, int] = {}
        for _ in range(args.repeat):  # the formats in turn, so each sees the same machine
            for form in FORMATS:
                target = folder / f"report.{'json' if form == 'fhir' else form}"
                began = time.perf_counter()
                subprocess.run([sys.executable, "-m", "voicecoach", "report", "-o", str(target), "--format", form],
                               env=env, check=True, capture_output=True, cwd=ROOT)
                times[form].append(time.perf_counter() - began)
                sizes[form] = target.stat().st_size
        pages = subprocess.run(["pdfinfo", str(folder / "report.pdf")], capture_output=True, text=True).stdout
        count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
        print(f"A year of history: {args.days} daily sessions, {args.repeat} runs of each format, medians "
              f"(whole process)")
        base = statistics.median(times["csv"])
        for form in FORMATS:
            median = statistics.median(times[form])
            print(f"  {form:<5} {median:6.2f} s  ({median / base:4.2f}x csv)  {sizes[form] / 1_000_000:6.3f} MB"
                  + (f"  {count} pages" if form == "pdf" else ""))
        worst = max(statistics.median(values) for values in times.values())
        print(f"Goals: under 5 s ({'met' if worst < 5 else 'NOT met'}: slowest {worst:.2f} s), under 1 MB "
              f"({'met' if max(sizes.values()) < 1_000_000 else 'NOT met'}: largest "
              f"{max(sizes.values()) / 1_000_000:.3f} MB)")


if __name__ == "__main__":
    main()
