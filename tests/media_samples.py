"""Small, real media files built byte by byte for tests: an MP4/MOV and a WebM with a picture track."""

from __future__ import annotations

import io
import struct

from PIL import Image


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(width: int = 1280, height: int = 720, seconds: int = 12, brand: bytes = b"isom") -> bytes:
    """An ISO media file: ftyp, then moov with mvhd (timescale, duration) and one video trak/tkhd."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mvhd = _box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + bytes(80))
    tkhd_body = b"\x00\x00\x00\x03" + struct.pack(">IIIII", 0, 0, 1, 0, seconds * 1000) + bytes(8 + 8 + 36)
    tkhd = _box(b"tkhd", tkhd_body + struct.pack(">II", width << 16, height << 16))
    moov = _box(b"moov", mvhd + _box(b"trak", tkhd))
    return ftyp + moov + _box(b"mdat", b"\x00" * 64)


def _ebml(element_id: int, payload: bytes) -> bytes:
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + _size(len(payload)) + payload


def _size(n: int) -> bytes:
    return (0x01 << 56 | n).to_bytes(8, "big")  # an 8-byte EBML size


def webm(width: int = 640, height: int = 360, seconds: float = 8.0) -> bytes:
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))
    info = _ebml(
        0x1549A966,
        _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")) + _ebml(0x4489, struct.pack(">d", seconds * 1000)),
    )
    video = _ebml(0xE0, _ebml(0xB0, width.to_bytes(2, "big")) + _ebml(0xBA, height.to_bytes(2, "big")))
    tracks = _ebml(0x1654AE6B, _ebml(0xAE, video))
    return header + _ebml(0x18538067, info + tracks)


def png(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
