"""The LAME Info tag written behind lameenc's frames: its checksums, its numbers, and decoders
that read it (ffmpeg, mpg123, mutagen)."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from tests.audio import needs_ffmpeg, needs_mpg123
from voicecoach import mp3


def test_crc16_is_crc16_arc():
    assert mp3.crc16(b"123456789") == 0xBB3D  # the catalogued check value of CRC-16/ARC


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 100_003])
def test_the_fast_crc_is_the_plain_one_whole_and_in_pieces(size):
    data = os.urandom(size)
    assert mp3.crc16_fast(data) == mp3.crc16(data)
    crc = 0
    for start in range(0, size, 10_000):
        crc = mp3.crc16_fast(data[start : start + 10_000], crc)
    assert crc == mp3.crc16(data)


def write(path, samples: np.ndarray, rate: int, kbps: int = 64) -> None:
    writer = mp3.Mp3Writer(path, rate, kbps, 7)
    pcm = np.round(samples * 32767).astype(np.int16).tobytes()
    for start in range(0, len(pcm), 9000):  # pieces that do not line up with frames
        writer.write(pcm[start : start + 9000])
    writer.close()


DECODERS = {
    "ffmpeg": ["ffmpeg", "-v", "error", "-i", "{path}", "-f", "s16le", "-ac", "1", "-"],
    "mpg123": ["mpg123", "-q", "-s", "{path}"],  # gapless by the LAME tag, apart from ffmpeg
}


@needs_ffmpeg
@needs_mpg123
@pytest.mark.parametrize("decoder", list(DECODERS))
@pytest.mark.parametrize("rate", [16000, 22050, 24000])
@pytest.mark.parametrize("seconds", [0.01, 1.0, 7.3])
def test_decoders_give_back_exactly_what_was_encoded(tmp_path, rate, seconds, decoder):
    """Each decoder gives every sample we wrote and no more, with a click on its own sample."""
    count = round(seconds * rate)
    samples = np.sin(2 * np.pi * 440 * np.arange(count) / rate) * 0.3
    click = count // 2
    samples[click] = 0.99
    path = tmp_path / "t.mp3"
    write(path, samples, rate)
    command = [str(path) if part == "{path}" else part for part in DECODERS[decoder]]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    decoded = np.frombuffer(raw, dtype="<i2") / 32768
    assert len(decoded) == count
    if count > 1000:
        residue = decoded - np.sin(2 * np.pi * 440 * np.arange(count) / rate) * 0.3
        assert abs(int(np.argmax(np.abs(residue))) - click) <= 1


def test_the_tag_says_what_the_file_holds(tmp_path):
    from mutagen.mp3 import MP3

    path = tmp_path / "t.mp3"
    write(path, np.zeros(22050 * 3), 22050)
    data = path.read_bytes()
    assert data[13:17] == b"Info" and data[133:142] == b"LAME3.100"
    frame = data[: 208]
    assert int.from_bytes(frame[167:169], "big") == mp3.crc16(frame[:167])  # the tag's own CRC
    frames = int.from_bytes(data[21:25], "big")
    assert int.from_bytes(data[25:29], "big") == len(data)  # every byte, the Info frame's too
    assert int.from_bytes(data[165:167], "big") == mp3.crc16(data[208:])  # the music's CRC
    delay_padding = int.from_bytes(data[154:157], "big")
    assert delay_padding >> 12 == mp3.ENCODER_DELAY
    assert frames * 576 == mp3.ENCODER_DELAY + 22050 * 3 + (delay_padding & 0xFFF)
    assert MP3(str(path)).info.length == pytest.approx(3.0, abs=1e-6)


def test_an_abandoned_file_gets_no_tag(tmp_path):
    path = tmp_path / "t.mp3"
    writer = mp3.Mp3Writer(path, 22050, 64, 7)
    writer.write(bytes(44100))
    writer.abandon()
    assert b"Info" not in path.read_bytes()[:300]
