"""A real-time sound output without a sound card: a private PulseAudio with a pipe sink.

ALSA's default device is routed to it (`type pulse`), so `voicecoach play` goes through the real
ALSA and simpleaudio path. The sink writes what it plays to a FIFO at the system clock's pace and
fills idle time with silence; a thread reads the FIFO as it is written, so the capture is what a
listener would hear, and when (FIELD_NOTES: bit-exact, 3.02 s of wall clock for 3.0 s of audio).
Used by the playback tests and by scripts/bench_play.py. Needs Debian's pulseaudio and
libasound2-plugins (scripts/setup.sh --dev installs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

RATE = 22050
SILENT = 64  # |sample| above this is sound


def available() -> bool:
    """PulseAudio and ALSA's pulse plugin are installed."""
    plugin = glob.glob("/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so") + glob.glob(
        "/usr/lib/alsa-lib/libasound_module_pcm_pulse.so")
    return shutil.which("pulseaudio") is not None and bool(plugin)


needs_sink = pytest.mark.skipif(not available(), reason="PulseAudio not installed (scripts/setup.sh --dev installs it)")


MIC_RATE = 16_000  # the virtual microphone's rate (what the recognizer listens at)
MIC_BLOCK_S = 0.05


class Sink:
    """A private PulseAudio with a pipe sink, and a thread reading the pipe as it is written; and,
    with `microphone`, a virtual microphone, a pipe source that is the server's default source,
    written in real time by a thread of ours: silence, or what a test has it hear (`into_mic`), as a
    room's microphone would. Without it, ALSA has no capture device: a machine with speakers and no
    microphone, where play does not listen (and so, with no terminal, asks no questions)."""

    def __init__(self, work: Path, microphone: bool = False):
        self.work = work
        self.fifo = work / "sink.fifo"
        self.mic_fifo = work / "mic.fifo"
        self._mic_queue: list[bytes] = []
        self._mic_stop = threading.Event()
        self.runtime = work / "run"
        self.runtime.mkdir(mode=0o700)
        self.alsa_conf = work / "asound.conf"
        self.alsa_conf.write_text("</usr/share/alsa/alsa.conf>\npcm.!default { type pulse }\nctl.!default { type pulse }\n")
        if not microphone:
            # No capture: "default" and ALSA's own "pulse" device (both would record the server's
            # monitor) capture from a card that is not there, so PortAudio finds no input. Loaded by
            # a hook of our own, after the one of PulseAudio's ALSA plugin that sets "default".
            playback_only = "{ type asym playback.pcm { type pulse } capture.pcm { type hw card 99 } }"
            (work / "no-capture.conf").write_text(f"pcm.!default {playback_only}\npcm.!pulse {playback_only}\n")
            with open(self.alsa_conf, "a") as conf:
                conf.write(f'@hooks [ {{ func load files [ "{work / "no-capture.conf"}" ] errors false }} ]\n')
        self.microphone = microphone
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime), "ALSA_CONFIG_PATH": str(self.alsa_conf)}
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.daemon = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "--log-target=file:" + str(work / "pulse.log"),
             "-L", f"module-pipe-sink file={self.fifo} sink_name=pipe format=s16le rate={RATE} channels=1 "
                   "use_system_clock_for_timing=yes",
             *(["-L", f"module-pipe-source file={self.mic_fifo} source_name=mic format=s16le rate={MIC_RATE} "
                      "channels=1"] if microphone else []),
             "-L", "module-native-protocol-unix auth-anonymous=1", "-L", "module-cli-protocol-unix"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        socket = self.runtime / "pulse" / "native"
        while not (self.fifo.exists() and socket.exists()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not socket.exists():
            self.close()
            raise RuntimeError(f"PulseAudio did not start; see {work / 'pulse.log'}")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if microphone:
            subprocess.run(["pactl", "set-default-source", "mic"], env=self.env, capture_output=True, timeout=10)
            self._mic_writer = threading.Thread(target=self._write_mic, daemon=True)
            self._mic_writer.start()

    def _write_mic(self) -> None:
        """The microphone's samples in real time: what was asked for, else silence."""
        try:
            fd = os.open(self.mic_fifo, os.O_WRONLY)
        except OSError:
            return
        block = int(MIC_RATE * MIC_BLOCK_S) * 2
        pending = b""
        next_at = time.monotonic()
        try:
            while not self._mic_stop.is_set():
                if not pending:
                    with self.lock:
                        pending = b"".join(self._mic_queue)
                        self._mic_queue.clear()
                chunk, pending = pending[:block], pending[block:]
                os.write(fd, chunk.ljust(block, b"\0"))
                next_at += MIC_BLOCK_S
                time.sleep(max(0.0, next_at - time.monotonic()))
        except OSError:  # the server went away
            pass
        finally:
            os.close(fd)

    def into_mic(self, pcm: bytes) -> float:
        """Have the microphone hear pcm (s16le, MIC_RATE, mono) from its next block on; when that is."""
        assert self.microphone, "this sink has no microphone: Sink(work, microphone=True)"
        with self.lock:
            self._mic_queue.append(pcm)
        return time.monotonic()

    def _read(self) -> None:
        fd = os.open(self.fifo, os.O_RDONLY)
        try:
            while data := os.read(fd, 8192):
                with self.lock:
                    self.chunks.append((time.monotonic(), data))
        finally:
            os.close(fd)

    def mark(self) -> int:
        with self.lock:
            return len(self.chunks)

    def first_sound_after(self, mark: int, timeout_s: float) -> float | None:
        """The monotonic time at which the first audible chunk after `mark` arrived."""
        deadline = time.monotonic() + timeout_s
        seen = mark
        while time.monotonic() < deadline:
            with self.lock:
                new = self.chunks[seen:]
                seen = len(self.chunks)
            for arrival, data in new:
                if np.abs(np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")).max(initial=0) > SILENT:
                    return arrival
            time.sleep(0.002)
        return None

    def wait_quiet(self, quiet_s: float = 1.5, timeout_s: float = 60.0) -> bool:
        """Wait until nothing audible has arrived for quiet_s (what was being said is over)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            now = time.monotonic()
            with self.lock:
                recent = [data for arrival, data in self.chunks[-400:] if arrival >= now - quiet_s]
            if not any(np.abs(np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")).max(initial=0) > SILENT
                       for data in recent):
                return True
            time.sleep(0.05)
        return False

    def captured(self, mark: int = 0) -> bytes:
        with self.lock:
            data = b"".join(chunk for _, chunk in self.chunks[mark:])
        return data[: len(data) // 2 * 2]

    def audio_since(self, mark: int) -> np.ndarray:
        return np.frombuffer(self.captured(mark), dtype="<i2").astype(np.float32)

    def drop_streams(self) -> int:
        """The server cuts every playing stream, as it does when their device goes away; how many it cut."""
        listing = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=self.env, capture_output=True,
                                 text=True, check=True).stdout
        streams = [line.split()[0] for line in listing.splitlines() if line.strip()]
        for stream in streams:  # pactl has no kill; pacmd talks to module-cli-protocol-unix
            subprocess.run(["pacmd", "kill-sink-input", stream], env=self.env, check=True, capture_output=True)
        return len(streams)

    def kill(self) -> None:
        """The sound server dies, as a device does when it fails or is unplugged."""
        self.daemon.kill()
        self.daemon.wait(timeout=10)

    def close(self) -> None:
        self._mic_stop.set()
        if self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=10)


needs_alsa = pytest.mark.skipif(not Path("/usr/share/alsa/alsa.conf").exists(), reason="no ALSA configuration")


def no_device_env(tmp_path) -> dict[str, str]:
    conf = tmp_path / "asound.conf"
    conf.write_text("</usr/share/alsa/alsa.conf>\n")  # ALSA with no default device at all
    return {**os.environ, "ALSA_CONFIG_PATH": str(conf)}


def sample_clock(sink: Sink) -> float:
    """The monotonic time of capture sample 0. The pipe sink writes one block (2048 samples here)
    at the start of the time it stands for, then sleeps until that time has passed, and each block
    is read as it arrives: the earliest (arrival - index of its first sample / rate) is the clock."""
    with sink.lock:
        chunks = list(sink.chunks)
    offsets, count = [], 0
    for arrival, data in chunks:
        offsets.append(arrival - count / RATE)
        count += len(data) // 2
    return min(offsets)


def cut_index(captured: np.ndarray, session: np.ndarray, before: int) -> int | None:
    """Where the capture stops being the session: the session heard just before index `before` is
    found in the export, then followed sample by sample."""
    probe = captured[before - RATE // 2 : before]
    if np.abs(probe).max(initial=0) <= SILENT:
        return None  # silence says nothing about where in the session it is
    found = session.tobytes().find(probe.tobytes())
    while found != -1 and found % 2:
        found = session.tobytes().find(probe.tobytes(), found + 1)
    if found == -1:
        return None
    start = found // 2
    ahead = min(len(captured) - (before - len(probe)), len(session) - start)
    differs = np.flatnonzero(captured[before - len(probe) : before - len(probe) + ahead] != session[start : start + ahead])
    return None if not len(differs) else before - len(probe) + int(differs[0])


SPEAKER_GAIN = 0.3  # a laptop's speakers, as its own microphone hears them


class Loopback:
    """The room: what the speaker plays reaches the microphone (the sink's capture, resampled to the
    microphone's rate, at `gain`, a tenth of a second later), as with a laptop's speakers."""

    def __init__(self, sink: Sink, gain: float = SPEAKER_GAIN):
        self.sink, self.gain, self._stop = sink, gain, threading.Event()
        self._thread = threading.Thread(target=self._copy, daemon=True)

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _copy(self) -> None:
        import soxr

        resampler = soxr.ResampleStream(RATE, MIC_RATE, 1, dtype="float32")
        mark = self.sink.mark()
        while not self._stop.wait(0.1):
            new, mark = self.sink.captured(mark), self.sink.mark()
            if new:
                samples = np.frombuffer(new, dtype="<i2").astype(np.float32) / 32768 * self.gain
                out = np.clip(resampler.resample_chunk(samples), -1, 1)
                self.sink.into_mic((out * 32767).astype("<i2").tobytes())
