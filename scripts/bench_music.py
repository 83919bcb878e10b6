"""Benchmark background music: export time with music against without, and memory as sessions grow.

    .venv/bin/python scripts/bench_music.py [--repeat 3] [--engine espeak] [--music-minutes 10]

Every figure comes from this run, measured side by side (interleaved), so read the ratios: the
machine may be noisy. Each export runs as a whole `voicecoach export` command in a new process.

- warm export: every phrase cached and the music decoded once before (the cache holds the
  decoded music too), for each built-in program, to WAV and to MP3, with --music and without;
- loudness and true peak of each built-in's export with the music, as ffmpeg's ebur128 reads them;
- peak memory (max RSS of the export process): a 10-minute and a 60-minute synthetic program
  (scripts/bench.py's), with a long music file, against the same programs without music.

The music is generated: a stereo 44.1 kHz FLAC of filtered noise and chords, --music-minutes long,
so it is decoded, mixed to mono and resampled like a real album track.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench import PROGRAMS, synthetic_program  # noqa: E402 - the same synthetic programs as bench.py's
sys.path.insert(0, str(ROOT))
from tests.listening import ebur128  # noqa: E402 - the same independent reader the tests use


def make_music(path: Path, minutes: float) -> Path:
    """A stereo 44.1 kHz FLAC: slowly changing chords over soft noise, written a minute at a time."""
    import soundfile

    rate = 44100
    rng = np.random.default_rng(7)
    with soundfile.SoundFile(str(path), "w", samplerate=rate, channels=2, format="FLAC") as out:
        for minute in range(int(np.ceil(minutes))):
            t = np.arange(rate * 60) / rate + minute * 60
            chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.08
            swell = 0.6 + 0.4 * np.sin(2 * np.pi * t / 17)
            noise = np.convolve(rng.standard_normal(len(t)), np.ones(8) / 8, mode="same") * 0.05
            left, right = chord * swell + noise, chord * (1.2 - swell) + noise[::-1]
            out.write(np.stack([left, right], axis=1).astype(np.float32))
    return path


def export_command(program: str, target: Path, engine: str, music: Path | None) -> list[str]:
    command = [sys.executable, "-m", "voicecoach", "export", program, "-o", str(target), "--engine", engine]
    return command + (["--music", str(music)] if music is not None else [])


def peak_kib(program: str, target: Path, env: dict, engine: str, music: Path | None) -> int:
    """Max RSS of one export, read from the child's resource usage (wait4)."""
    command = export_command(program, target, engine, music)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"export failed: {process.stderr.read().decode()}")
    return usage.ru_maxrss


def timed(program: str, target: Path, env: dict, engine: str, music: Path | None) -> float:
    command = export_command(program, target, engine, music)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="espeak")
    parser.add_argument("--music-minutes", type=float, default=10.0)
    parser.add_argument("--make-music", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_music:
        make_music(Path(args.make_music), args.music_minutes)
        return
    work = Path(tempfile.mkdtemp(prefix="vc-bench-music-"))
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(work / "cache"), "VOICECOACH_DATA_DIR": str(work / "data"),
           "VOICECOACH_CONFIG_DIR": str(work / "config")}
    # Made in a child process: a forked child's peak RSS starts at its parent's, so the parent stays small.
    music = work / "album.flac"
    subprocess.run([sys.executable, __file__, "--make-music", str(music), "--music-minutes", str(args.music_minutes)],
                   check=True)
    print(f"Music: {args.music_minutes:g} minutes, stereo 44.1 kHz FLAC, {music.stat().st_size / 1e6:.0f} MB; "
          f"engine {args.engine}; median of {args.repeat}, interleaved")
    started = time.perf_counter()
    timed(PROGRAMS[0], work / "warm.wav", env, args.engine, music)  # phrases synthesized, music decoded
    print(f"  first export with this music (decoding it, and the phrases): {time.perf_counter() - started:.2f} s")
    print(f"  {'program':<14}{'format':<8}{'without':>10}{'with music':>12}{'ratio':>8}")
    for program in PROGRAMS:
        timed(program, work / "warm.wav", env, args.engine, None)  # this program's phrases cached
        for ext in ("wav", "mp3"):
            plain, mixed = [], []
            for _ in range(args.repeat):
                plain.append(timed(program, work / f"plain.{ext}", env, args.engine, None))
                mixed.append(timed(program, work / f"music.{ext}", env, args.engine, music))
            a, b = statistics.median(plain), statistics.median(mixed)
            print(f"  {program:<14}{ext:<8}{a:>9.2f}s{b:>11.2f}s{b / a:>8.2f}")
    print("What the listener gets (ffmpeg ebur128 on the WAV exports)")
    for program in PROGRAMS:
        timed(program, work / "plain.wav", env, args.engine, None)
        timed(program, work / "music.wav", env, args.engine, music)
        (plain_lufs, plain_peak), (lufs, peak) = ebur128(work / "plain.wav"), ebur128(work / "music.wav")
        print(f"  {program:<14} without: {plain_lufs:.1f} LUFS, {plain_peak:.1f} dBTP; "
              f"with music: {lufs:.1f} LUFS, {peak:.1f} dBTP")
    print("Peak memory (max RSS of the export process), WAV")
    peaks = {}
    for minutes in (10, 60):
        path = work / f"synthetic-{minutes}.yaml"
        path.write_text(synthetic_program(minutes), encoding="utf-8")
        timed(str(path), work / "fill.wav", env, args.engine, None)  # the cache filled
        for with_music in (False, True):
            runs = [peak_kib(str(path), work / "memory.wav", env, args.engine, music if with_music else None)
                    for _ in range(args.repeat)]
            peaks[minutes, with_music] = statistics.median(runs)
            print(f"  {minutes:>2}-minute program, {'with' if with_music else 'without'} music: "
                  f"{peaks[minutes, with_music] / 1024:.1f} MiB")
    print(f"  with music, 60-minute / 10-minute: {peaks[60, True] / peaks[10, True]:.3f}; "
          f"60-minute with music / without: {peaks[60, True] / peaks[60, False]:.3f}")


if __name__ == "__main__":
    main()
