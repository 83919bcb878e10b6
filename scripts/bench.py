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
    import json, os, sys, time
    from pathlib import Path
    start = time.perf_counter()
    import voicecoach.export
    if "BENCH_MP3_QUALITY" in os.environ:
        voicecoach.export.MP3_QUALITY = int(os.environ["BENCH_MP3_QUALITY"])
    from voicecoach.export import export_session
    from voicecoach.program import resolve_program
    from voicecoach.script import Options
    from voicecoach.session import make_speech, prepare_session
    from voicecoach.settings import Settings
    programs, out_dir, ext, engine = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    speech = make_speech(Settings(engine=engine))
    for name in programs:
        session = prepare_session(resolve_program(name), Options(), speech)
        export_session(session.script, session.pieces(), out_dir / f"{Path(name).stem}.{ext}", session.sample_rate_hz)
    print(json.dumps({"seconds": time.perf_counter() - start, "synthesized": speech.synthesized}))
""")


def run_worker(programs: list[str], ext: str, cache: Path, out_dir: Path,
               engine: str, extra_env: dict | None = None) -> tuple[float, float, int, int]:
    """(seconds inside, wall seconds, phrases synthesized, peak RSS in KiB) of one export process."""
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache), **(extra_env or {})}
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
        subprocess.run(["espeak-ng", "-m", "-s", str(espeak_setting()), "-w", str(out_dir / f"{ssml.stem}.anchor.wav"),
                        "-f", str(ssml)], check=True, capture_output=True)
    return time.perf_counter() - start


def espeak_setting() -> int:
    from voicecoach.engines.espeak import EspeakEngine

    return EspeakEngine().engine_rate  # eSpeak's own rate for the default words a minute


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
    parser.add_argument("--only-listening", action="store_true",
                        help="only what the listener hears (loudness, silences, edges, rate) and the MP3 figures")
    args = parser.parse_args()
    engines = args.engine or ["piper", "espeak"]
    if "espeak" in engines and shutil.which("espeak-ng") is None:
        raise SystemExit("bench.py needs espeak-ng (bash scripts/setup.sh installs it)")
    work = Path(tempfile.mkdtemp(prefix="voicecoach-bench-"))
    try:
        if not args.only_listening:
            for engine in engines:
                export_table(engine, args.repeat, work)
            memory(engines, args.repeat, work)
        listening_table(engines, work)
        mp3_table(engines[0], args.repeat, work)
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


def listening_table(engines: list[str], work: Path) -> None:
    """What the listener gets, read back from each export by tests/listening.py's independent readers."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import listening

    print("What the listener hears (WAV exports; ffmpeg ebur128, decoded samples, show --json)")
    header = ("engine", "program", "pace", "LUFS", "dBTP", "longest quiet s", "lead-in s",
              "loud edges", "hard cuts", "words/min")
    rows = []
    for engine in engines:
        cache = Path(tempfile.mkdtemp(dir=work))
        env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
        for name in PROGRAMS:
            for pace in ("0.5", "1", "2"):
                out = work / f"{name}-{engine}-{pace}.wav"
                args = [name, "--engine", engine, "--pace", pace]
                subprocess.run([sys.executable, "-m", "voicecoach", "export", *args, "-o", str(out)],
                               check=True, capture_output=True, env=env)
                shown = subprocess.run([sys.executable, "-m", "voicecoach", "show", *args, "--json"],
                                       check=True, capture_output=True, text=True, env=env)
                events = json.loads(shown.stdout)["events"]
                loudness, peak = listening.ebur128(out)
                samples, rate = listening.decode(out)
                edges = listening.edges(samples, rate, events)
                rows.append((engine, name, pace, f"{loudness:.1f}", f"{peak:.1f}",
                             f"{listening.longest_quiet_s(samples, rate):.2f}", f"{listening.lead_in_s(samples, rate):.2f}",
                             f"{len(edges.loud_starts) + len(edges.loud_ends)} of {2 * edges.phrases}",
                             f"{edges.hard_cuts + edges.hard_starts} of {2 * edges.sounds}",
                             f"{listening.words_per_minute(events):.0f}"))
                out.unlink()
    _print_rows(header, rows)


def mp3_table(engine: str, repeat: int, work: Path) -> None:
    """Warm export of all three programs: WAV, MP3 at voicecoach's LAME quality and at quality 2
    (before); and how far each MP3 decodes from the WAV."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import listening
    from voicecoach.export import MP3_QUALITY

    cache = Path(tempfile.mkdtemp(dir=work))
    run_worker(list(PROGRAMS), "wav", cache, work, engine)  # fill the cache
    print(f"\n{engine}: warm export of all three programs, median of {repeat} (whole command in brackets)")
    rows = []
    decoded = {}
    for label, ext, quality in (("WAV", "wav", None), (f"MP3, LAME quality {MP3_QUALITY}", "mp3", MP3_QUALITY),
                                ("MP3, LAME quality 2 (before)", "mp3", 2)):
        extra = {"BENCH_MP3_QUALITY": str(quality)} if quality is not None else {}
        inside, wall = median_of(repeat, lambda: run_worker(list(PROGRAMS), ext, cache, work, engine, extra)[:2])
        decoded[label] = listening.decode(work / f"intermediate.{ext}")[0]
        rows.append((label, f"{inside:.2f} ({wall:.2f})"))
    _print_rows(("format", "seconds"), rows)
    wav = decoded["WAV"]
    print("  MP3 against the WAV (intermediate): signal-to-error ratio, and the mean difference of the "
          "long-term spectrum in 1/3-octave bands 100 Hz to 8 kHz")
    for label, samples in decoded.items():
        if label == "WAV":
            continue
        error = samples[: len(wav)] - wav
        snr = 10 * np.log10(np.sum(wav**2) / np.sum(error**2))
        print(f"    {label}: {snr:.1f} dB; spectrum within {_band_difference(wav, samples[: len(wav)]):.2f} dB")


def _band_difference(reference, other, rate: int = 22050) -> float:
    """Mean absolute level difference (dB) of 1/3-octave bands, Welch-averaged spectra."""
    import numpy as np

    def spectrum(x):
        size = 4096
        frames = len(x) // size
        windowed = x[: frames * size].reshape(frames, size) * np.hanning(size)
        return np.mean(np.abs(np.fft.rfft(windowed, axis=1)) ** 2, axis=0)

    freqs = np.fft.rfftfreq(4096, 1 / rate)
    a, b = spectrum(reference), spectrum(other)
    centres = 100 * 2 ** (np.arange(0, 19) / 3)
    diffs = []
    for centre in centres:
        band = (freqs >= centre / 2 ** (1 / 6)) & (freqs < centre * 2 ** (1 / 6))
        if band.any():
            diffs.append(abs(10 * np.log10(b[band].sum() / a[band].sum())))
    return float(np.mean(diffs))


def _print_rows(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
