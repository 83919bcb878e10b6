"""Benchmark voicecoach's export against doing it by hand, and its memory as sessions grow.

    .venv/bin/python scripts/bench.py [--repeat N] [--engine piper --engine espeak]

Prints one table per engine. Every figure comes from this run, measured side by side; the machine
may be noisy, so read ratios, not absolute seconds. Each measurement runs in a fresh process:

- cold export: a new process with an empty phrase cache (every phrase synthesized);
- warm export: a new process with the cache filled by the cold run;
- the anchor, what a user could do by hand without voicecoach, timed as a whole command:
  for eSpeak, `espeak-ng -m -w` speaking the session's lines with SSML breaks for every silence
  and cue; for Piper, Piper's own command-line program (`piper -i LINES -f OUT.wav`, the same
  voice, rate and noise settings) speaking every line of the session, one line after another;
- peak memory (max RSS of the exporting process): a cold Piper export (the voice loaded), and a
  synthetic 10-minute and 60-minute program with a warm cache.

Times are the median of --repeat runs (default 3), measured inside the worker around the work
(interpreter start-up excluded) and, in brackets, as the whole command's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from xml.sax.saxutils import escape

PROGRAMS = ("beginning", "intermediate", "advanced")

WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    start = time.perf_counter()
    from voicecoach.export import export_session
    from voicecoach.program import resolve_program
    from voicecoach.script import Options
    from voicecoach.session import make_speech, prepare_session
    from voicecoach.speech import SoundSettings
    programs, out_dir, ext, engine = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    speech = make_speech(SoundSettings(engine=engine))
    for name in programs:
        session = prepare_session(resolve_program(name), Options(), speech)
        export_session(session.script, session.pieces(), out_dir / f"{Path(name).stem}.{ext}", session.sample_rate_hz)
    print(json.dumps({"seconds": time.perf_counter() - start, "synthesized": speech.synthesized}))
""")


def run_worker(programs: list[str], ext: str, cache: Path, out_dir: Path,
               engine: str) -> tuple[float, float, int, int]:
    """(seconds inside, wall seconds, phrases synthesized, peak RSS in KiB) of one export process."""
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(programs), str(out_dir), ext, engine],
                          capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # RUSAGE_CHILDREN holds the largest child so far: only meaningful when this child is larger.
    return report["seconds"], wall, report["synthesized"], peak if peak > before else -1


def peak_rss_kib(programs: list[str], ext: str, cache: Path, out_dir: Path, engine: str = "espeak") -> int:
    """Peak RSS of one export process, read by /usr/bin/time-like wait4 accounting."""
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
    process = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(programs), str(out_dir), ext, engine],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"export of {programs} failed: {process.stderr.read().decode()}")
    return usage.ru_maxrss


def session_events(program: str, cache: Path, engine: str) -> list[dict]:
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
    shown = subprocess.run([sys.executable, "-m", "voicecoach", "show", program, "--json", "--engine", engine],
                           capture_output=True, text=True, env=env, check=True)
    return json.loads(shown.stdout)["events"]


def anchor_ssml(program: str, cache: Path) -> str:
    """The session's lines as SSML, with a break for every silence and cue."""
    parts = ["<speak>"]
    for event in session_events(program, cache, "espeak"):
        if event["kind"] == "speech":
            parts.append(escape(event["text"]))
        else:
            parts.append(f'<break time="{round(event["duration"] * 1000)}ms"/>')
    parts.append("</speak>")
    return "\n".join(parts)


def time_anchor(ssml_files: list[Path], out_dir: Path) -> float:
    start = time.perf_counter()
    for ssml in ssml_files:
        subprocess.run(["espeak-ng", "-m", "-s", "160", "-w", str(out_dir / f"{ssml.stem}.anchor.wav"),
                        "-f", str(ssml)], check=True, capture_output=True)
    return time.perf_counter() - start


def piper_lines(program: str, cache: Path) -> str:
    """Every line the session speaks, in order, repeats included: one a line, for Piper's program."""
    return "".join(event["text"] + "\n" for event in session_events(program, cache, "piper") if event["kind"] == "speech")


def time_piper_anchor(line_files: list[Path], out_dir: Path) -> float:
    from voicecoach.engines.piper import PiperEngine

    engine = PiperEngine()  # the same voice and length scale as a session at the default rate
    piper = Path(sys.executable).with_name("piper")
    start = time.perf_counter()
    for lines in line_files:
        subprocess.run([str(piper), "-m", str(engine.voice_file.model), "-i", str(lines), "-f",
                        str(out_dir / f"{lines.stem}.anchor.wav"), "--length-scale", str(engine.length_scale),
                        "--noise-scale", "0", "--noise-w-scale", "0"], check=True, capture_output=True)
    return time.perf_counter() - start


def synthetic_program(minutes: int) -> str:
    """A program of repeated exercises lasting about `minutes`: the same phrases, more of them."""
    exercise = textwrap.dedent("""\
          - name: Bridge {n}
            position: Lie on your back with your knees bent.
            instructions: Lift your hips, then lower them.
            reps: 20
            rest_between_reps: 2
            rest_after: 10
            movement:
              - {{say: Lift., seconds: 2}}
              - hold: 3
              - {{say: And lower., seconds: 2}}
        """)
    count = max(1, round(minutes / 4))  # one exercise is about four minutes at pace 1
    return "title: Synthetic program\nexercises:\n" + "".join(exercise.format(n=n + 1) for n in range(count))


def median_of(repeat: int, measure) -> tuple[float, float]:
    results = [measure() for _ in range(repeat)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", action="append", help="engines to measure (default: piper and espeak)")
    args = parser.parse_args()
    engines = args.engine or ["piper", "espeak"]
    if "espeak" in engines and shutil.which("espeak-ng") is None:
        raise SystemExit("bench.py needs espeak-ng (bash scripts/setup.sh installs it)")
    work = Path(tempfile.mkdtemp(prefix="voicecoach-bench-"))
    try:
        for engine in engines:
            export_table(engine, args.repeat, work)
        memory(engines, args.repeat, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def export_table(engine: str, repeat: int, work: Path) -> None:
    rows: list[tuple[str, ...]] = []
    sets = [[name] for name in PROGRAMS] + [list(PROGRAMS)]
    for programs in sets:
        label = programs[0] if len(programs) == 1 else "all three"
        for ext in ("wav", "mp3"):
            caches: list[Path] = []

            def cold() -> tuple[float, float]:
                cache = Path(tempfile.mkdtemp(dir=work))
                caches.append(cache)
                seconds, wall, synthesized, _ = run_worker(programs, ext, cache, work, engine)
                assert synthesized > 0
                return seconds, wall

            def warm() -> tuple[float, float]:
                seconds, wall, synthesized, _ = run_worker(programs, ext, caches[-1], work, engine)
                assert synthesized == 0, "warm run synthesized"
                return seconds, wall

            cold_s, cold_wall = median_of(repeat, cold)
            warm_s, warm_wall = median_of(repeat, warm)
            anchor = "-"
            ratio = "-"
            if ext == "wav":
                files = []
                for name in programs:
                    if engine == "espeak":
                        path = work / f"{name}.ssml"
                        path.write_text(anchor_ssml(name, caches[-1]), encoding="utf-8")
                    else:
                        path = work / f"{name}.lines"
                        path.write_text(piper_lines(name, caches[-1]), encoding="utf-8")
                    files.append(path)
                timer = time_anchor if engine == "espeak" else time_piper_anchor
                anchor_s = statistics.median(timer(files, work) for _ in range(repeat))
                anchor, ratio = f"{anchor_s:.2f}", f"{anchor_s / cold_wall:.1f}x"
            rows.append((label, ext, f"{cold_s:.2f} ({cold_wall:.2f})", f"{warm_s:.2f} ({warm_wall:.2f})", anchor, ratio))
    anchor_name = "espeak-ng anchor" if engine == "espeak" else "piper CLI anchor"
    print(f"{engine}: export time in seconds, median of {repeat} (whole command in brackets)")
    header = ("program", "format", "cold", "warm", anchor_name, "anchor / cold command")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    print()


def memory(engines: list[str], repeat: int, work: Path) -> None:
    print("Peak memory (max RSS of the export process)")
    if "piper" in engines:
        peaks = [peak_rss_kib(list(PROGRAMS), "wav", Path(tempfile.mkdtemp(dir=work)), work, "piper")
                 for _ in range(repeat)]
        print(f"  piper, cold cache (the voice loaded), all three programs to WAV: "
              f"{statistics.median(peaks) / 1024:.1f} MiB (median of {repeat})")
    for ext in ("wav", "mp3"):
        peaks = {}
        cache = Path(tempfile.mkdtemp(dir=work))
        for minutes in (10, 60):
            path = work / f"synthetic-{minutes}.yaml"
            path.write_text(synthetic_program(minutes), encoding="utf-8")
            peak_rss_kib([str(path)], ext, cache, work)  # fill the cache
            peaks[minutes] = statistics.median(peak_rss_kib([str(path)], ext, cache, work) for _ in range(repeat))
            shown = subprocess.run([sys.executable, "-m", "voicecoach", "show", str(path), "--json", "--engine", "espeak"],
                                   capture_output=True, text=True, check=True,
                                   env={**os.environ, "VOICECOACH_CACHE_DIR": str(cache)})
            length = json.loads(shown.stdout)["duration"] / 60
            print(f"  espeak, warm cache, {ext}  {minutes:>2}-minute program ({length:.1f} min): {peaks[minutes] / 1024:.1f} MiB")
        print(f"  espeak, warm cache, {ext}  60-minute / 10-minute: {peaks[60] / peaks[10]:.3f}")


if __name__ == "__main__":
    main()
