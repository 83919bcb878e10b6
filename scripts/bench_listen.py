"""Benchmark spoken commands (issue 25): accuracy, false commands, latency, CPU and memory.

    .venv/bin/python scripts/bench_listen.py [--quick] [--part accuracy|false|latency|cpu ...]

Prints figures and the goals beside them; asserts nothing and exits 0.

- accuracy: every command of each shipped phrasebook (its first variant and one other), every
  answer (zero to ten in the phrasebook's number words, better/same/worse, yes/no), said by three
  eSpeak NG voices that are not the session's (variants of the language's voice), resampled to
  16 kHz with soxr, and judged in the moment that expects it (commands during the session, numbers
  when a number is asked, ...) by voicecoach.hearing.hear. Conditions: alone; over the session's own
  audio (an export of `beginning` in that language, 6 dB under the word, its lines given as `said`
  so that its voice is rejected as play rejects it); with white and with pink noise at 10 dB SNR.
  Counted: correct, wrong (a different command or answer: the worst case), missed.
- false: every built-in session, exported with each installed engine, at a laptop speaker's level
  (x0.3) through a simple room (a copy 20 ms later at -10 dB), heard from start to end with the
  script's lines as `said` (goal: no command), and again without them (what the rejection does).
- latency: `voicecoach play beginning --listen` on the tests' private PulseAudio (tests/sink.py) with
  a cold phrase cache; "Pause." is said into its virtual microphone; from the end of the word to the
  session's sound being cut in the sink's capture (and to the terminal showing "Paused"), then
  "Resume." likewise.
- cpu: the same play for a while with --listen and with --no-listen, the speaker's sound fed back
  into the microphone (x0.3, as a laptop's): CPU seconds (/proc/PID/stat) and peak memory (VmHWM),
  and underruns: gaps of silence in the sink's capture where the export has sound.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicecoach.commands import COMMANDS, SESSION, Expecting, vocabulary  # noqa: E402
from voicecoach.hearing import hear, read_recording  # noqa: E402
from voicecoach.phrasebook import builtin_phrasebook  # noqa: E402

MIC_RATE = 16_000
LANGUAGES = ("en", "de", "es", "fr")
# eSpeak NG voices that are not the session's (the session speaks with the language's own voice:
# gmw/en, gmw/de, roa/es, roa/fr): other variants, and a regional voice where there is one
VOICES = {
    "en": ("en-us+f3", "en+m3", "en-gb-scotland+f2"),
    "de": ("de+f3", "de+m3", "de+f2"),
    "es": ("es+f3", "es+m3", "es-419+f2"),
    "fr": ("fr+f3", "fr+m3", "fr-be+f2"),
}
GOAL = {"en": 95.0, "de": 90.0, "es": 90.0, "fr": 90.0}
CONDITIONS = ("alone", "over own", "after own", "white 10dB", "pink 10dB")
OWN_LEVEL_DB = -6.0
SNR_DB = 10.0
AFTER_S = 0.4  # "after own": the word begins this long after the end of one of the session's lines
PAD_S = 0.3
SPEAKER_GAIN = 0.3
ROOM_DELAY_S, ROOM_LEVEL_DB = 0.020, -10.0
PROGRAMS = ("beginning", "intermediate", "advanced")


# --- helpers ------------------------------------------------------------------------------------------

def bench_env(work: Path, cache: Path | None = None, base: dict | None = None) -> dict:
    """voicecoach's folders in `work`, so that nothing of the user's is read or written."""
    env = dict(base or os.environ)
    env.update(VOICECOACH_CACHE_DIR=str(cache or work / "cache"), VOICECOACH_CONFIG_DIR=str(work / "config"),
               VOICECOACH_DATA_DIR=str(work / "data"))
    return env


def share_model(cache: Path) -> None:
    """A fresh cache with the Whisper model already joined (the user's), so that cold means the phrases."""
    from voicecoach.recognizers.whisper import model_dir

    cache.mkdir(parents=True, exist_ok=True)
    (cache / "models").mkdir(exist_ok=True)
    if model_dir().is_dir() and not (cache / "models" / "whisper-base").exists():
        (cache / "models" / "whisper-base").symlink_to(model_dir())


def voicecoach(*args: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "voicecoach", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"voicecoach {' '.join(args)}: {done.stderr.strip()[-300:]}")
    return done.stdout


def session_audio(work: Path, program: str, engine: str, language: str | None = None):
    """(samples at 16 kHz, speech lines (start, end, text), raw export path) of a session."""
    name = f"{program}-{engine}-{language or 'own'}"
    wav, js = work / f"{name}.wav", work / f"{name}.json"
    options = ["--engine", engine] + (["--language", language] if language else [])
    env = bench_env(work)
    if not wav.exists():
        voicecoach("export", program, "-o", str(wav), *options, env=env)
    if not js.exists():
        js.write_text(voicecoach("show", program, "--json", *options, env=env))
    script = json.loads(js.read_text())
    lines = [(e["start"], e["start"] + e["duration"], e["text"]) for e in script["events"] if e["kind"] == "speech"]
    return read_recording(wav), lines, wav, script


def espeak(text: str, voice: str) -> np.ndarray:
    """text said by an eSpeak NG voice, float32 at 16 kHz, peak 0.8."""
    import soxr

    raw = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    rate = int.from_bytes(raw[24:28], "little")
    samples = np.frombuffer(raw[44:], dtype="<i2").astype(np.float32) / 32768
    samples = soxr.resample(samples, rate, MIC_RATE).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    if len(loud):
        samples = samples[max(0, loud[0] - 160):loud[-1] + 160]
    return (samples / max(np.abs(samples).max(), 1e-6) * 0.8).astype(np.float32)


def voiced_rms(samples: np.ndarray, frame: int = 320) -> float:
    """The RMS of the frames that sound (within 20 dB of the loudest)."""
    n = len(samples) // frame * frame
    if not n:
        return float(np.sqrt(np.mean(samples ** 2)))
    power = (samples[:n].reshape(-1, frame) ** 2).mean(axis=1)
    loud = power[power >= power.max() / 100]
    return float(np.sqrt(loud.mean()))


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1]
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (noise / noise.std()).astype(np.float32)


def spoken_text(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


class TimedRecognizer:
    """The recognizer, with the time each transcription took; the same stretch with the same hints
    is transcribed once (hear() run twice over one recording, with and without `said`)."""

    def __init__(self, recognizer, hints: bool = True):
        self.inner, self.times, self._known, self.hints = recognizer, [], {}, hints
        self.sample_rate_hz = recognizer.sample_rate_hz

    def transcribe(self, samples, language, hint_words=()):
        import hashlib

        hint_words = hint_words if self.hints else ()
        key = (hashlib.blake2b(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).hexdigest(), language,
               tuple(hint_words))
        if key not in self._known:
            began = time.perf_counter()
            self._known[key] = self.inner.transcribe(samples, language, hint_words)
            self.times.append(time.perf_counter() - began)
        return self._known[key]

    def forget(self) -> None:
        self._known.clear()


def recognizer(hints: bool = True):
    from voicecoach.recognizers import create_recognizer

    made = create_recognizer()
    if hasattr(made, "load"):
        began = time.perf_counter()
        made.load()
        print(f"recognizer loaded in {time.perf_counter() - began:.2f} s")
    return TimedRecognizer(made, hints)


def same(got, want) -> bool:
    return type(got) is type(want) and got == want


# --- accuracy -------------------------------------------------------------------------------------------

def items(language: str, all_variants: bool):
    """(text, expected (kind, value), expecting) for everything a listener may say in `language`."""
    book = builtin_phrasebook(language)
    words = book.words
    numbers = Expecting(frozenset({"stop"}), tuple(range(11)))
    morning = Expecting(frozenset({"stop"}), ("better", "same", "worse"))
    yes_no = Expecting(frozenset({"stop", "next"}), (True, False))
    found = []
    for name in COMMANDS:
        variants = list(words[name])
        for text in (variants if all_variants else variants[:2]):
            found.append((text, ("command", name), SESSION))
    for n in range(11):
        found.append((book.number(n), ("answer", n), numbers))
    for name in ("better", "same", "worse"):
        found.append((words[name][0], ("answer", name), morning))
    found.append((words["yes"][0], ("answer", True), yes_no))
    found.append((words["no"][0], ("answer", False), yes_no))
    return found


def own_mix(clip, own, lines, line, over: bool, gain: float):
    """The clip over the session's audio (`own`, at `gain`) around one of its lines: said 0.3 s into
    the line (over), or AFTER_S after its end (after); and the lines said then, on the mix's clock."""
    start, end, _ = line
    voice_at = start + 0.3 if over else end + AFTER_S  # where the word's sound begins
    clip_at = voice_at - PAD_S
    at = max(0.0, start - 0.5)
    until = max(end, clip_at + len(clip) / MIC_RATE) + 1.0
    mix = (own[int(at * MIC_RATE):int(until * MIC_RATE)] * gain).astype(np.float32)
    first = int((clip_at - at) * MIC_RATE)
    mix[first:first + len(clip)] += clip[:len(mix) - first]
    said = [(s - at, e - at, t) for s, e, t in lines if e >= at - 2 and s <= until]
    return mix, said


def judge(results, expected) -> str:
    kind, value = expected
    meant = [("command", r.command) if r.command is not None else ("answer", r.answer) for r in results]
    if any(k != kind or not same(v, value) for k, v in meant):
        return "wrong"
    return "correct" if meant else "missed"


def accuracy(args, work: Path, rec) -> None:
    print("\n== Accuracy: every command and answer, three voices not the session's ==")
    rng = np.random.default_rng(25)
    conditions = args.conditions or (("alone", "over own", "after own", "white 10dB") if args.quick else CONDITIONS)
    totals = {}
    failures = defaultdict(list)  # (language, text) -> [(voice, condition, outcome, heard)]
    per_item = defaultdict(lambda: [0, 0])  # (language, text) -> [correct, tried]
    unheard = defaultdict(int)  # (language, condition) -> missed without being transcribed
    began = time.perf_counter()
    for language in args.languages:
        words = vocabulary(builtin_phrasebook(language))
        own, own_lines, _, _ = session_audio(work, "beginning", "espeak", language)
        own_level = voiced_rms(own[: 120 * MIC_RATE])
        # over: a short line; after: a line with at least 1.5 s of quiet after it for the word
        short_lines = [line for line in own_lines if 1.0 <= line[1] - line[0] <= 4.0]
        quiet_after = [line for line, following in zip(own_lines, own_lines[1:]) if following[0] - line[1] >= 1.5]
        voices = VOICES[language][:1] if args.quick else VOICES[language]
        counts = {c: {"correct": 0, "wrong": 0, "missed": 0} for c in conditions}
        index = 0
        for voice in voices:
            for text, expected, expecting in items(language, args.all_variants):
                word = espeak(spoken_text(text), voice)
                level = voiced_rms(word)
                pad = np.zeros(int(PAD_S * MIC_RATE), dtype=np.float32)
                clip = np.concatenate([pad, word, pad])
                for condition in conditions:
                    said = []
                    if condition == "alone":
                        samples = clip
                    elif condition in ("over own", "after own"):
                        pool = short_lines if condition == "over own" else quiet_after
                        line = pool[(index * 7) % len(pool)]
                        index += 1
                        samples, said = own_mix(clip, own, own_lines, line, condition == "over own",
                                                level / own_level * 10 ** (OWN_LEVEL_DB / 20))
                    else:
                        noise = pink(len(clip), rng) if condition.startswith("pink") else \
                            rng.standard_normal(len(clip)).astype(np.float32)
                        samples = clip + noise * (level / 10 ** (SNR_DB / 20))
                    heard = []
                    results = hear(np.clip(samples, -1, 1).astype(np.float32), rec, words, expecting, language,
                                   said=said, on_heard=lambda h, u: heard.append(h.text))
                    outcome = judge(results, expected)
                    counts[condition][outcome] += 1
                    per_item[(language, text)][1] += 1
                    if outcome == "correct":
                        per_item[(language, text)][0] += 1
                    elif not heard and said:
                        unheard[(language, condition)] += 1  # all within voicecoach's own line: not transcribed
                    else:
                        failures[(language, text)].append((voice, condition, outcome, " | ".join(heard)))
        totals[language] = counts
        print(f"  {language}: {len(voices)} voice(s) {', '.join(voices)}; "
              f"{sum(counts[conditions[0]].values()) // len(voices)} phrases each", flush=True)
    print(f"\n  {'lang':4} {'condition':11} {'correct':>8} {'wrong':>6} {'missed':>7} {'%':>6}  goal")
    for language, counts in totals.items():
        for condition, c in list(counts.items()) + [("all", {k: sum(x[k] for x in counts.values())
                                                            for k in ("correct", "wrong", "missed")})]:
            n = sum(c.values())
            pct = 100 * c["correct"] / n if n else 0.0
            ok = "ok" if pct >= GOAL[language] and c["wrong"] == 0 else "MISSED GOAL"
            print(f"  {language:4} {condition:11} {c['correct']:8} {c['wrong']:6} {c['missed']:7} {pct:6.1f}  "
                  f">={GOAL[language]:.0f}%, 0 wrong: {ok}")
    times = rec.times
    if times:
        print(f"\n  transcription: {len(times)} stretches, median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms; part took {time.perf_counter() - began:.0f} s")
    for (language, condition), count in sorted(unheard.items()):
        print(f"  {language} {condition}: {count} missed without being transcribed at all (the stretch lay within "
              f"voicecoach's own lines: hear() drops it)")
    if failures:
        print("\n  not correct (language, phrase: correct/tried; each failure but those above: voice, condition, "
              "outcome, heard):")
        for (language, text), fails in sorted(failures.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            good, tried = per_item[(language, text)]
            print(f"    {language} {text!r}: {good}/{tried}")
            for voice, condition, outcome, heard in fails:
                print(f"        {voice:18} {condition:11} {outcome:7} heard {heard!r}")


# --- false commands -------------------------------------------------------------------------------------

def installed_engines() -> list[str]:
    """espeak, and piper where its package is installed."""
    import importlib.util

    return ["espeak"] + (["piper"] if importlib.util.find_spec("piper") is not None else [])


def room(samples: np.ndarray) -> np.ndarray:
    """At a laptop speaker's level, with one reflection."""
    out = samples * SPEAKER_GAIN
    delay = int(ROOM_DELAY_S * MIC_RATE)
    out[delay:] += out[:-delay] * 10 ** (ROOM_LEVEL_DB / 20)
    return out.astype(np.float32)


def false_commands(args, work: Path, rec) -> None:
    print("\n== False commands: whole sessions from the speaker into the microphone (x0.3, 20 ms echo at -10 dB) ==")
    runs = [("beginning", "espeak")] if args.quick else [(p, e) for e in installed_engines() for p in PROGRAMS]
    rows = []
    for program, engine in runs:
        began = time.perf_counter()
        try:
            samples, lines, _, script = session_audio(work, program, engine)
        except RuntimeError as error:
            print(f"  {program} {engine}: could not export ({error})")
            continue
        words = vocabulary(builtin_phrasebook(script["language"]))
        heard, unrejected = [], []
        mic = room(samples)
        acted = hear(mic, rec, words, SESSION, script["language"], said=lines)
        # again without `said` (the same stretches: transcribed once): what the rejection takes away
        hear(mic, rec, words, SESSION, script["language"], said=[],
             on_heard=lambda h, u: (heard.append(h), u is not None and unrejected.append((h, u))))
        rec.forget()
        took = time.perf_counter() - began
        rows.append((program, engine, script["duration"], len(heard), len(acted), len(unrejected), took))
        print(f"  {program:12} {engine:6} {script['duration'] / 60:5.1f} min, {len(heard):4} stretches heard: "
              f"{len(acted)} commands acted on with own-voice rejection (goal 0), {len(unrejected)} without; "
              f"{took:.0f} s", flush=True)
        for u in acted:
            around = [t for s, e, t in lines if e >= u.time_s - 3 and s <= u.time_s]
            print(f"      ACTED ON at {u.time_s:7.2f} s: {u.command or u.answer!r} from heard {u.text!r}; said {around}")
        for h, u in unrejected[: args.show]:
            print(f"      without rejection at {h.end_s:7.2f} s: {u.command or u.answer!r} from heard {h.text!r}")
        if len(unrejected) > args.show:
            print(f"      ... and {len(unrejected) - args.show} more without rejection")
    if rows:
        print(f"  total: {sum(r[4] for r in rows)} commands acted on with rejection (goal 0), "
              f"{sum(r[5] for r in rows)} without, over {sum(r[2] for r in rows) / 60:.0f} min of sessions")


# --- through the private sound server ----------------------------------------------------------------------

def start_sink(work: Path):
    from tests.sink import Sink, available

    if not available():
        print("  PulseAudio or ALSA's pulse plugin is missing (scripts/setup.sh --dev): not measured")
        return None
    folder = work / f"sink-{time.monotonic_ns()}"
    folder.mkdir()
    return Sink(folder, microphone=True)


def mic_pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def exported_22k(work: Path, program: str, engine: str) -> np.ndarray:
    """The session as exported (s16 at the sink's rate), made with a cache of its own."""
    import wave

    wav = work / f"{program}-{engine}-sink.wav"
    if not wav.exists():
        voicecoach("export", program, "-o", str(wav), "--engine", engine, env=bench_env(work, work / "export-cache"))
    with wave.open(str(wav)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")


def latency(args, work: Path) -> None:
    print("\n== Latency: 'Pause.' into the microphone of a cold `play beginning --listen` (private PulseAudio) ==")
    import pexpect

    from tests.sink import RATE, cut_index, sample_clock

    sink = start_sink(work)
    if sink is None:
        return
    session = exported_22k(work, "beginning", "espeak")
    cache = work / f"cold-cache-{time.monotonic_ns()}"
    share_model(cache)
    log = work / "listen-latency.log"
    env = bench_env(work, cache, sink.env)
    env["VOICECOACH_LISTEN_LOG"] = str(log)
    pause_word, resume_word = espeak("Pause.", "en-us+f3"), espeak("Resume.", "en-us+f3")
    pad = np.zeros(int(PAD_S * MIC_RATE), dtype=np.float32)
    tries = 3 if args.quick else args.tries
    cut_ms, shown_ms, resume_ms, failed = [], [], [], 0
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", "beginning", "--listen", "--no-check-in",
                                           "--engine", "espeak"], env=env, encoding="utf-8", timeout=60,
                          dimensions=(24, 160), cwd=str(work))
    try:
        child.expect("Playing \\|", timeout=120)
        time.sleep(3.0)  # the recognizer loading
        for attempt in range(tries):
            # say it while the session is sounding, so that the capture shows where it was cut
            sink.first_sound_after(sink.mark(), timeout_s=20)
            time.sleep(0.2)
            fed = sink.into_mic(mic_pcm(np.concatenate([pad, pause_word, pad])))
            word_end = fed + (len(pad) + len(pause_word)) / MIC_RATE
            try:
                child.expect("Paused", timeout=15)
                shown = time.monotonic()
            except pexpect.TIMEOUT:
                failed += 1
                print(f"  try {attempt + 1}: 'Pause.' not obeyed within 15 s", flush=True)
                continue
            time.sleep(2.0)
            zero = sample_clock(sink)
            captured = np.frombuffer(sink.captured(), dtype="<i2")
            cut = cut_index(captured, session, int((word_end - zero) * RATE))
            shown_ms.append((shown - word_end) * 1000)
            text = f"  try {attempt + 1}: terminal 'Paused' {shown_ms[-1]:5.0f} ms after the word's end"
            if cut is not None:
                cut_ms.append((zero + cut / RATE - word_end) * 1000)
                text += f", session cut in the capture {cut_ms[-1]:5.0f} ms after it"
            else:
                text += ", the cut not found in the capture (the session was silent before it)"
            sink.wait_quiet(1.0, timeout_s=10)  # "Paused." said
            fed = sink.into_mic(mic_pcm(np.concatenate([pad, resume_word, pad])))
            resume_end = fed + (len(pad) + len(resume_word)) / MIC_RATE
            mark = sink.mark()
            try:
                child.expect("Playing \\|", timeout=15)
                resumed_shown = time.monotonic()
                sound = sink.first_sound_after(mark, timeout_s=5)
                resume_ms.append(((sound or resumed_shown) - resume_end) * 1000)
                text += f"; resumed {resume_ms[-1]:5.0f} ms after 'Resume.' (first sound)"
            except pexpect.TIMEOUT:
                text += "; 'Resume.' not obeyed within 15 s"
                child.send(" ")  # the key, to go on
            print(text, flush=True)
            time.sleep(4.0)
    except (pexpect.TIMEOUT, pexpect.EOF) as error:
        print(f"  play stopped or hung: {type(error).__name__}; its screen: {str(child.before)[-300:]!r}")
    finally:
        if child.isalive():
            child.send("q")
            try:
                child.expect(pexpect.EOF, timeout=15)
            except (pexpect.TIMEOUT, pexpect.EOF):
                child.terminate(force=True)
        sink.close()

    def summary(values):
        return f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms over {len(values)}" if values \
            else "not measured"

    print(f"  pause, to the session cut in the capture: {summary(cut_ms)} (goal: median < 1000 ms)")
    print(f"  pause, to the terminal showing 'Paused': {summary(shown_ms)}")
    print(f"  resume, to the first sound after 'Resume.': {summary(resume_ms)}")
    if failed:
        print(f"  'Pause.' not obeyed: {failed} of {tries}")
    if log.exists():
        print(f"  what play heard ({log}):")
        for line in log.read_text().splitlines()[:3 * tries + 5]:
            print("    " + line[:200])


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def underruns(captured: np.ndarray, session: np.ndarray, rate: int) -> tuple[int, float, str]:
    """(gaps, total gap seconds, a note) where the capture is silent and the export sounds; the
    capture is followed sample by sample from its first sound, and realigned after each gap."""
    from tests.sink import SILENT

    def first_loud(x, start=0):
        loud = np.flatnonzero(np.abs(x[start:]) > SILENT)
        return start + int(loud[0]) if len(loud) else None

    c, e = first_loud(captured), first_loud(session)
    if c is None or e is None:
        return 0, 0.0, "no sound captured"
    gaps, gap_samples, note = 0, 0, "otherwise the capture is the export, sample for sample"
    while True:
        n = min(len(captured) - c, len(session) - e)
        differs = np.flatnonzero(captured[c:c + n] != session[e:e + n])
        if not len(differs):
            return gaps, gap_samples / rate, note
        c, e = c + int(differs[0]), e + int(differs[0])
        # the export goes on from e; where does it go on in the capture?
        at = first_loud(session, e)
        if at is None:
            return gaps, gap_samples / rate, note
        probe = session[at:at + rate // 4]
        if len(probe) < rate // 4:
            return gaps, gap_samples / rate, note
        window = captured[c:c + 30 * rate]
        found = window.tobytes().find(probe.tobytes())
        while found != -1 and found % 2:
            found = window.tobytes().find(probe.tobytes(), found + 1)
        if found == -1:
            end_s = c / rate
            return gaps, gap_samples / rate, f"the capture stops following the export at {end_s:.1f} s (not a gap)"
        shift = (c + found // 2) - at - (c - e)
        if shift <= 0:
            return gaps, gap_samples / rate, f"the capture differs from the export at {c / rate:.1f} s (not a gap)"
        gaps += 1
        gap_samples += shift
        c, e = c + found // 2, at


def cpu(args, work: Path) -> None:
    print("\n== CPU and memory: `play beginning` with --listen against --no-listen (the speaker fed back to the mic) ==")
    from tests.sink import RATE

    seconds = 30 if args.quick else args.cpu_seconds
    session = exported_22k(work, "beginning", "espeak")
    rows = []
    for listen in ("--listen", "--no-listen"):
        sink = start_sink(work)
        if sink is None:
            return
        cache = work / f"cpu-cache-{time.monotonic_ns()}"
        share_model(cache)
        env = bench_env(work, cache, sink.env)
        try:
            from tests.sink import Loopback

            with Loopback(sink, SPEAKER_GAIN):
                mark = sink.mark()
                started = time.monotonic()
                player = subprocess.Popen([sys.executable, "-m", "voicecoach", "play", "beginning", listen,
                                           "--no-check-in", "--engine", "espeak", "--quiet"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(work))
                time.sleep(seconds)
                stopped = time.monotonic()
                cpu_s, hwm = proc_cpu_s(player.pid), proc_hwm_mb(player.pid)
                threads = len(os.listdir(f"/proc/{player.pid}/task"))
                player.send_signal(signal.SIGTERM)
                try:
                    player.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    player.kill()
                    player.wait()
            stderr = player.stderr.read().decode(errors="replace").strip()
            captured = np.frombuffer(sink.captured(mark), dtype="<i2")
            # what arrived before the stop (less half a second), in the sink's real time
            keep = int(max(0.0, stopped - started - 0.5) * RATE)
            gaps, gap_s, note = underruns(captured[:keep], session, RATE)
        finally:
            sink.close()
        wall = stopped - started
        rows.append((listen, wall, cpu_s, hwm, threads, gaps, gap_s, note))
        print(f"  {listen:12} {wall:5.1f} s: CPU {cpu_s:6.2f} s ({100 * cpu_s / wall:5.1f}% of one core), "
              f"peak memory (VmHWM) {hwm:6.1f} MB, {threads} threads; underruns: {gaps} ({gap_s * 1000:.0f} ms "
              f"of silence inserted; {note})", flush=True)
        if stderr and not stderr.startswith("Stopped at "):  # SIGTERM's own line is expected
            print(f"      stderr: {stderr[-300:]!r}")
    if len(rows) == 2:
        (_, w1, c1, m1, *_), (_, w0, c0, m0, *_) = rows
        print(f"  listening costs {100 * (c1 / w1 - c0 / w0):+.1f}% of a core and {m1 - m0:+.0f} MB (goal: 0 underruns)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", action="append", choices=("accuracy", "false", "latency", "cpu"),
                        help="run only this part (repeat for more); by default all")
    parser.add_argument("--quick", action="store_true",
                        help="a fast subset: one voice and four conditions for accuracy, beginning with espeak "
                             "only for false commands, 3 latency tries, 30 s of CPU each")
    parser.add_argument("--language", dest="languages", action="append", choices=LANGUAGES,
                        help="accuracy in this language only (repeat for more)")
    parser.add_argument("--condition", dest="conditions", action="append", choices=CONDITIONS,
                        help="accuracy in this condition only (repeat for more)")
    parser.add_argument("--no-hints", action="store_true",
                        help="accuracy, false: transcribe without the expected words as Whisper's prompt (to compare)")
    parser.add_argument("--all-variants", action="store_true", help="accuracy: every variant of every command")
    parser.add_argument("--tries", type=int, default=5, help="latency: how many pauses (default 5)")
    parser.add_argument("--cpu-seconds", type=float, default=90, help="cpu: how long each play runs (default 90)")
    parser.add_argument("--show", type=int, default=15, help="false: how many unrejected commands to print")
    parser.add_argument("--work", type=Path, help="a folder for exports to keep between runs (default: a new one)")
    args = parser.parse_args()
    args.languages = args.languages or list(LANGUAGES)
    parts = args.part or ["accuracy", "false", "latency", "cpu"]
    work = args.work or Path(tempfile.mkdtemp(prefix="vc-bench-listen-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench_listen: {', '.join(parts)}{' (quick)' if args.quick else ''}; work folder {work}; "
          f"{os.cpu_count()} cores")
    rec = recognizer(not args.no_hints) if {"accuracy", "false"} & set(parts) else None
    for part in parts:
        try:
            {"accuracy": lambda: accuracy(args, work, rec), "false": lambda: false_commands(args, work, rec),
             "latency": lambda: latency(args, work), "cpu": lambda: cpu(args, work)}[part]()
        except Exception as error:  # noqa: BLE001 - a benchmark prints what it could not measure and goes on
            print(f"  {part}: not measured: {type(error).__name__}: {error}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
