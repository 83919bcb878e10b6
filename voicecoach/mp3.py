"""MP3 that players understand: LAME's encoder (lameenc) and the LAME "Info" tag it leaves out.

lameenc hands back bare MPEG frames. Without an Info tag a player must guess the length from the
bitrate ("Estimating duration from bitrate"), cannot seek exactly, and plays the encoder's delay
and padding as silence at both ends, so chapter times need a hand-made correction. The Info tag
is one silent frame before the audio that says how many frames and bytes follow, gives a seek
table, and (in its LAME extension) the encoder delay and end padding in samples, which decoders
(ffmpeg, mpg123, foobar2000, iTunes) remove: the decoded file then starts on our first sample and
is exactly as long as what was encoded. Layout: the "Mp3 Info Tag rev 1" specification
(gabriel.mp3-tech.org/mp3infotag.html).
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path
from typing import BinaryIO

ENCODER_DELAY = 576  # samples LAME puts before the first input sample (lame_get_encoder_delay)
_BITRATES_KBPS = {  # layer III, by MPEG version: index -> kbps
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES_HZ = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


def _crc16_table() -> list[int]:
    """CRC-16/ARC (polynomial 0x8005, reflected), the CRC of the LAME tag."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc16_table()


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


@functools.lru_cache(maxsize=2)
def _carry_tables(block: int) -> tuple[list[int], list[int]]:
    """carry(c) = low[c & 0xFF] ^ high[c >> 8]: the CRC c advanced over `block` zero bytes (a CRC
    with no initial value or final XOR is linear in its state, so the two bytes go apart)."""
    import numpy as np

    table = np.array(_CRC_TABLE, dtype=np.uint16)
    carried = np.concatenate([np.arange(256, dtype=np.uint16), np.arange(256, dtype=np.uint16) << 8])
    for _ in range(block):
        carried = (carried >> 8) ^ table[carried & 0xFF]
    return carried[:256].tolist(), carried[256:].tolist()


def crc16_fast(data: bytes, crc: int = 0, block: int = 4096) -> int:
    """crc16(data, crc) for megabytes in a blink: the CRCs of all its blocks at once (numpy, one
    byte column at a time), then joined, each carried over the next block by a table lookup."""
    import numpy as np

    whole = len(data) // block * block
    if whole:
        table = np.array(_CRC_TABLE, dtype=np.uint16)
        rows = np.frombuffer(data, dtype=np.uint8, count=whole).reshape(-1, block)
        crcs = np.zeros(len(rows), dtype=np.uint16)
        for column in rows.T:
            crcs = (crcs >> 8) ^ table[(crcs ^ column) & 0xFF]
        low, high = _carry_tables(block)
        for value in crcs.tolist():
            crc = low[crc & 0xFF] ^ high[crc >> 8] ^ value
    return crc16(data[whole:], crc)


def _header(frame: bytes) -> tuple[int, int, int, int, bool]:
    """(MPEG version 1/2/25, sample rate, bitrate kbps, frame length, mono) of a layer III frame."""
    b1, b2, b3 = frame[1], frame[2], frame[3]
    if frame[0] != 0xFF or b1 & 0xE0 != 0xE0 or (b1 >> 1) & 3 != 1:
        raise ValueError("not an MPEG layer III frame")
    version = {3: 1, 2: 2, 0: 25}[(b1 >> 3) & 3]
    rate = _RATES_HZ[version][(b2 >> 2) & 3]
    kbps = _BITRATES_KBPS[1 if version == 1 else 2][b2 >> 4]
    padding = (b2 >> 1) & 1
    length = (144 if version == 1 else 72) * kbps * 1000 // rate + padding
    return version, rate, kbps, length, (b3 >> 6) == 3


def info_frame(first: bytes, frames: int, audio_bytes: int, samples: int, music_crc: int, kbps: int) -> bytes:
    """The silent frame that carries the Info tag, shaped like the stream's first frame."""
    version, rate, _, _, mono = _header(first)
    header = bytes([first[0], first[1], first[2] & 0xFD, first[3]])  # the same, without padding
    length = _header(header)[3]
    side_info = (17 if mono else 32) if version == 1 else (9 if mono else 17)
    per_frame = 1152 if version == 1 else 576
    padding = frames * per_frame - ENCODER_DELAY - samples
    if not 0 <= padding < 4096:
        raise ValueError(f"{frames} frames cannot hold {samples} samples after a delay of {ENCODER_DELAY}")
    total = length + audio_bytes
    tag = b"Info" + struct.pack(">III", 0x0F, frames, total)
    tag += bytes(min(255, i * 256 // 100) for i in range(100))  # CBR: the seek table is a straight line
    tag += struct.pack(">I", 0)  # quality indicator: not given
    tag += b"LAME3.100".ljust(9, b" ")[:9]
    tag += bytes([0x01, 0])  # tag revision 0, CBR; lowpass: not given
    tag += bytes(8)  # replay gain: none
    tag += bytes([0, min(255, kbps)])  # encoding flags / ATH; bitrate
    tag += bytes([ENCODER_DELAY >> 4, ((ENCODER_DELAY & 0xF) << 4) | (padding >> 8), padding & 0xFF])
    tag += bytes([0, 0]) + struct.pack(">H", 0)  # misc; MP3 gain; preset and surround: none
    tag += struct.pack(">IH", total, music_crc)
    frame = header + bytes(side_info) + tag
    frame += struct.pack(">H", crc16(frame))
    if len(frame) > length:
        raise ValueError(f"an Info tag needs {len(frame)} bytes; frames here are {length}")
    return frame.ljust(length, b"\x00")


class Mp3Writer:
    """Encodes PCM into an MP3 file that starts with an Info frame: a placeholder while the audio
    is written, filled in at close (frames and bytes counted as they pass; the music CRC read
    back from the file in pieces, so memory stays flat however long the session)."""

    def __init__(self, path: Path, sample_rate_hz: int, kbps: int, quality: int):
        import lameenc

        self._encoder = lameenc.Encoder()
        self._encoder.set_bit_rate(kbps)
        self._encoder.set_in_sample_rate(sample_rate_hz)
        self._encoder.set_channels(1)
        self._encoder.set_quality(quality)
        self._kbps = kbps
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._first: bytes | None = None  # the first audio frame's header
        self._info_length = 0
        self._audio_bytes = 0
        self._frames = 0
        self._pending = bytearray()  # from the next frame's header on
        self._samples = 0

    def write(self, pcm: bytes) -> None:
        self._samples += len(pcm) // 2
        self._out(self._encoder.encode(pcm))

    def _out(self, data: bytes) -> None:
        if not data:
            return
        if self._first is None:
            self._first = bytes(data[:4])
            self._info_length = _header(bytes([data[0], data[1], data[2] & 0xFD, data[3]]))[3]
            self._file.write(bytes(self._info_length))  # the Info frame's place
        self._file.write(data)
        self._audio_bytes += len(data)
        self._pending += data
        position = 0
        while position + 4 <= len(self._pending):
            length = _header(bytes(self._pending[position : position + 4]))[3]
            if position + length > len(self._pending):
                break
            position += length
            self._frames += 1
        del self._pending[:position]

    def abandon(self) -> None:
        self._file.close()

    def close(self) -> None:
        try:
            self._out(self._encoder.flush())
            if self._first is None:
                return
            if self._pending:
                raise ValueError("the encoder's output ends inside a frame")
            self._file.flush()
            crc = 0
            with open(self._file.name, "rb") as audio:
                audio.seek(self._info_length)
                while piece := audio.read(1 << 20):
                    crc = crc16_fast(piece, crc)
            self._file.seek(0)
            self._file.write(info_frame(self._first, self._frames, self._audio_bytes, self._samples, crc, self._kbps))
        finally:
            self._file.close()
