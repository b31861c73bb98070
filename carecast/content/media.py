"""Upload checks: a real image of an accepted type and size, or nothing is stored."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

from carecast.core.errors import ValidationError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


def validate_image(upload: UploadedFile) -> str:
    """Check the upload before anything is written; return the file extension to store it with."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"The image is larger than {filesizeformat(limit)}; make it smaller.", field="image"
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format or ""
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "That file is not an image we can read (use JPEG, PNG, GIF or WebP).", field="image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            f"{fmt or 'That'} images are not accepted; use JPEG, PNG, GIF or WebP.", field="image"
        )
    if width * height > MAX_PIXELS:
        raise ValidationError("The image has too many pixels; resize it below 40 megapixels.", field="image")
    return ACCEPTED_FORMATS[fmt]


# ---------------------------------------------------------------- the media library: images and video


@dataclass(frozen=True)
class Checked:
    """What the checks learned from the file's content (never from its name or declared type)."""

    kind: str  # "image" or "video"
    file_format: str
    width: int
    height: int
    duration_seconds: float | None = None


VIDEO_FORMATS = "MP4, MOV or WebM"


def validate_media(upload: UploadedFile) -> Checked:
    """An image (read by Pillow) or a video (its container read here); refused before anything is stored."""
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if _looks_like_video(head):
        return _validate_video(upload)
    ext = validate_image(upload)
    upload.seek(0)
    with Image.open(upload) as img:
        width, height = img.size
    upload.seek(0)
    _check_dimensions(width, height, "image")
    return Checked(kind="image", file_format=ext, width=width, height=height)


def _looks_like_video(head: bytes) -> bool:
    return head[4:8] == b"ftyp" or head[:4] == _EBML_MAGIC


def _check_dimensions(width: int, height: int, what: str) -> None:
    limit = settings.MEDIA_MAX_DIMENSION
    if width < settings.MEDIA_MIN_DIMENSION or height < settings.MEDIA_MIN_DIMENSION:
        raise ValidationError(
            f"The {what} is {width} by {height} pixels; it must be at least "
            f"{settings.MEDIA_MIN_DIMENSION} pixels on each side.",
            field="file",
        )
    if width > limit or height > limit:
        raise ValidationError(
            f"The {what} is {width} by {height} pixels; the limit is {limit} pixels on each side.",
            field="file",
        )


def _validate_video(upload: UploadedFile) -> Checked:
    limit = settings.MEDIA_VIDEO_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"The video is larger than {filesizeformat(limit)}; make it smaller.", field="file"
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        if data[:4] == _EBML_MAGIC:
            fmt, width, height, duration = _read_webm(data)
        else:
            fmt, width, height, duration = _read_iso_media(data)
    except (ValueError, IndexError, struct.error) as exc:
        raise ValidationError(
            f"That file is not a video we can read ({exc}); use {VIDEO_FORMATS}.", field="file"
        ) from exc
    if not width or not height:
        raise ValidationError(
            f"The video has no picture track we can read; use {VIDEO_FORMATS} with video.", field="file"
        )
    _check_dimensions(width, height, "video")
    max_seconds = settings.MEDIA_VIDEO_MAX_SECONDS
    if duration is not None and duration > max_seconds:
        raise ValidationError(
            f"The video runs {duration:.0f} seconds; the limit is {max_seconds} seconds.", field="file"
        )
    return Checked(kind="video", file_format=fmt, width=width, height=height, duration_seconds=duration)


# ISO base media (MP4, MOV): boxes of [size:4][type:4], size 1 meaning a 64-bit size follows, 0 "to the end".
_CONTAINERS = {b"moov", b"trak"}


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    found = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError(f"box {kind!r} runs past the end of the file")
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def _read_iso_media(data: bytes) -> tuple[str, int, int, float | None]:
    top = _boxes(data, 0, len(data))
    if not top or top[0][0] != b"ftyp":
        raise ValueError("no file-type box")
    brand = data[top[0][1] : top[0][1] + 4]
    fmt = "mov" if brand == b"qt  " else "mp4"
    moov = next(((s, e) for k, s, e in top if k == b"moov"), None)
    if moov is None:
        raise ValueError("no movie header")
    width = height = 0
    duration = None
    for kind, start, end in _boxes(data, *moov):
        if kind == b"mvhd":
            version = data[start]
            if version == 1:
                timescale, length = struct.unpack(">IQ", data[start + 20 : start + 32])
            else:
                timescale, length = struct.unpack(">II", data[start + 12 : start + 20])
            duration = length / timescale if timescale else None
        elif kind == b"trak":
            for sub, s, e in _boxes(data, start, end):
                if sub == b"tkhd" and e - s >= 8:
                    w, h = struct.unpack(">II", data[e - 8 : e])  # 16.16 fixed point, at the box's end
                    if (w >> 16) * (h >> 16) > width * height:
                        width, height = w >> 16, h >> 16
    return fmt, width, height, duration


# WebM (Matroska): EBML elements of [id][size][data], both variable-length integers.
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _VIDEO = 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0
_DOC_TYPE, _TIMECODE_SCALE, _DURATION, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0x4282, 0x2AD7B1, 0x4489, 0xB0, 0xBA
_MASTERS = {_SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _VIDEO, 0x1A45DFA3}


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    first = data[pos]
    length = next((i + 1 for i in range(8) if first & (0x80 >> i)), 0)
    if not length:
        raise ValueError("bad element header")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def _read_webm(data: bytes) -> tuple[str, int, int, float | None]:
    values: dict[int, bytes] = {}
    stack = [(0, len(data))]
    while stack:
        pos, end = stack.pop()
        while pos < end:
            element, pos, _ = _vint(data, pos, keep_marker=True)
            size, pos, unknown = _vint(data, pos, keep_marker=False)
            stop = end if unknown else min(pos + size, end)
            if element in _MASTERS:
                stack.append((stop, end))
                end = stop
                continue
            if element in (_DOC_TYPE, _TIMECODE_SCALE, _DURATION, _PIXEL_WIDTH, _PIXEL_HEIGHT):
                values.setdefault(element, data[pos:stop])
            pos = stop
    if values.get(_DOC_TYPE, b"").rstrip(b"\x00") != b"webm":
        raise ValueError("not a WebM file")

    def number(key: int) -> int:
        return int.from_bytes(values.get(key, b""), "big") if key in values else 0

    duration = None
    if _DURATION in values:
        raw = values[_DURATION]
        ticks = struct.unpack(">d" if len(raw) == 8 else ">f", raw)[0]
        duration = ticks * (number(_TIMECODE_SCALE) or 1_000_000) / 1e9
    return "webm", number(_PIXEL_WIDTH), number(_PIXEL_HEIGHT), duration
