"""Warm export of the three built-ins with an earlier revision of voicecoach and with this checkout,
side by side: did a change slow the listener's everyday case?

    .venv/bin/python scripts/bench_versions.py REV [--engine piper --engine espeak] [--format wav] [--repeat 5]

REV is checked out into a temporary git worktree. Each version exports in a fresh process, first
phrase cache filled, then --repeat rounds that alternate between the versions (so both see the
same machine load); the median of each is printed with their ratio. Times are measured inside the
process around the work, and in brackets as the whole command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from voicecoach.export import export_session
from voicecoach.program import resolve_program
from voicecoach.script import Options
from voicecoach.session import make_speech, prepare_session
from voicecoach.settings import Settings
speech = make_speech(Settings(engine=sys.argv[2]))
for name in ("beginning", "intermediate", "advanced"):
    session = prepare_session(resolve_program(name), Options(), speech)
    export_session(session.script, session.pieces(), Path(sys.argv[1]) / f"{name}.{sys.argv[3]}", session.sample_rate_hz)
print(json.dumps({"seconds": time.perf_counter() - start, "synthesized": speech.synthesized}))
"""


def export(source: Path, engine: str, cache: Path, out: Path, fmt: str) -> tuple[float, float, int]:
    env = {**os.environ, "PYTHONPATH": str(source), "VOICECOACH_CACHE_DIR": str(cache)}
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WORKER, str(out), engine, fmt], env=env, capture_output=True,
                          text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["seconds"], time.perf_counter() - wall, report["synthesized"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--engine", action="append")
    parser.add_argument("--format", default="wav", choices=["wav", "mp3", "flac", "ogg"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="voicecoach-versions-"))
    before = work / "before"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.rev], check=True,
                   capture_output=True)
    try:
        versions = {args.rev: before, "this checkout": ROOT}
        for engine in args.engine or ["piper", "espeak"]:
            caches = {name: Path(tempfile.mkdtemp(dir=work)) for name in versions}
            for name, source in versions.items():
                export(source, engine, caches[name], work, args.format)  # fill the cache
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
            for _ in range(args.repeat):
                for name, source in versions.items():
                    inside, wall, synthesized = export(source, engine, caches[name], work, args.format)
                    assert synthesized == 0, "a warm run synthesized"
                    times[name].append((inside, wall))
            medians = {name: (statistics.median(t for t, _ in runs), statistics.median(w for _, w in runs))
                       for name, runs in times.items()}
            (old, old_wall), (new, new_wall) = medians[args.rev], medians["this checkout"]
            print(f"{engine} {args.format}, warm, all three programs, median of {args.repeat}: "
                  f"{args.rev} {old:.2f} s ({old_wall:.2f}), this checkout {new:.2f} s ({new_wall:.2f}); "
                  f"ratio {new / old:.3f} ({new_wall / old_wall:.3f})")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
