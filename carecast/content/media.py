"""Upload checks: a real image of an accepted type and size, or nothing is stored."""

from __future__ import annotations

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
