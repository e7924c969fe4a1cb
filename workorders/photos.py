"""Photo intake for ticket attachments: upload bytes in, a clean stored photo out.

Grid workers attach photos from handheld terminals. ``photo_process`` decides
what the bytes are (from the bytes, never the file name or the client's
Content-Type), refuses what is not a photo we accept, and returns what the
attachment row stores: the image re-encoded upright with its metadata gone, a
JPEG thumbnail, the hash of the upload for deduplicating retries, and the
capture time and GPS position read from EXIF as plain values.

The module is pure: nothing is written to disk, the database or the cache.

Accepted: JPEG, PNG, WebP, and HEIC/HEIF when ``pillow-heif`` is importable
(it is pinned in requirements.txt; without it HEIC is refused with its own
code). JPEG and HEIC are stored as JPEG, PNG as PNG, WebP as WebP.

Refusals raise ``DomainError`` with ``fields={"photo": [message]}``:

=========================  ======  ===========================================
code                       status  when
=========================  ======  ===========================================
``photo_empty``            400     zero bytes
``photo_too_large``        413     more than ``settings.PHOTO_MAX_BYTES``
``photo_too_many_pixels``  413     more than ``settings.PHOTO_MAX_PIXELS``
``photo_unsupported_type`` 415     not JPEG/PNG/WebP/HEIC (GIF, PDF, text, ...)
``photo_heic_unsupported`` 415     HEIC while ``pillow-heif`` is not installed
``photo_corrupt``          400     looks like a photo but does not decode
=========================  ======  ===========================================

Privacy: the stored file and the thumbnail carry no EXIF, XMP or text chunks
(no GPS, no device serials); location and time live in our own fields. The
ICC colour profile is kept, because dropping it shifts the colours of wide
gamut phone photos (Display P3) and it says nothing about the person.
"""

import contextlib
import hashlib
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from jintan.errors import DomainError

try:
    import pillow_heif
except ImportError:  # pragma: no cover - pillow-heif is pinned; kept optional
    HEIF_SUPPORTED = False
else:
    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

# EXIF carries no zone; the terminals' clocks run on Jintan time.
CAMERA_TIME_ZONE = ZoneInfo("Asia/Shanghai")

# HEIF brands whose image is HEVC-coded (what phones write); other HEIF-family
# files (AVIF, HEIF with JPEG/AVC inside) are refused as unsupported types.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}

# Pillow format of the input -> (Pillow format, content type, extension) stored.
_STORED_AS = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}
# Speed settings measured on 12 megapixels (bench/bench_photos.py): WebP
# method 2 is 2.5x faster than the default 4 for the same size; zlib level 3
# is 3x faster than 6 on photographic PNGs, ~20 % larger on screenshots.
_ENCODER_PARAMS = {
    "JPEG": {"quality": JPEG_QUALITY},
    "WEBP": {"quality": JPEG_QUALITY, "method": 2},
    "PNG": {"compress_level": 3},
}
_PNG_MODES = {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"}

_TAG_ORIENTATION = 0x0112
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG, _GPS_STATUS = 1, 2, 3, 4, 9
_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store.

    ``content`` is upright (EXIF orientation applied) and stripped of
    metadata; ``width``/``height`` are its size after rotation. ``thumbnail``
    is a JPEG whose longest side is at most 320 px (never enlarged).
    ``sha256`` is the hex digest of the original upload bytes. ``taken_at`` is
    aware, in Asia/Shanghai; ``lat``/``lng`` are decimal degrees (south and
    west negative), or ``None`` when EXIF has no usable value.
    """

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    sha256: str
    taken_at: datetime | None
    lat: float | None
    lng: float | None


def photo_process(upload) -> ProcessedPhoto:
    """Check, decode and re-encode one uploaded photo; write nothing.

    ``upload`` is a Django ``UploadedFile``, any binary file-like object, or
    bytes. At most ``PHOTO_MAX_BYTES + 1`` bytes are read. Raises
    ``DomainError`` (codes in the module docstring) for anything refused.
    Malformed EXIF never refuses a photo: it only leaves the time, position or
    orientation unknown.
    """
    max_bytes = getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)
    max_pixels = getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    data = _read_upload(upload, max_bytes)
    source_format = _sniff_format(data)
    image = _decode(data, source_format, max_pixels)

    try:
        exif = image.getexif()
    except Exception:  # hostile EXIF: keep the photo, lose the metadata
        exif = Image.Exif()
    taken_at, lat, lng = _exif_taken_at(exif), *_exif_position(exif)
    if exif.get(_TAG_ORIENTATION, 1) != 1:
        # A tag Pillow cannot apply leaves the photo as shot, not refused.
        with contextlib.suppress(Exception):
            ImageOps.exif_transpose(image, in_place=True)

    stored_format, content_type, extension = _STORED_AS[source_format]
    icc_profile = image.info.get("icc_profile")
    # Only what we mean to keep survives into the saved file.
    image.info = {k: image.info[k] for k in ("transparency",) if k in image.info}
    stored = _for_format(image, stored_format)
    content = _encode(stored, stored_format, icc_profile)
    return ProcessedPhoto(
        content=content,
        content_type=content_type,
        extension=extension,
        width=stored.width,
        height=stored.height,
        thumbnail=_thumbnail(stored, icc_profile),
        sha256=hashlib.sha256(data).hexdigest(),
        taken_at=taken_at,
        lat=lat,
        lng=lng,
    )


def _refuse(code, message, status):
    return DomainError(message, code=code, status=status, fields={"photo": [message]})


def _too_large(max_bytes):
    message = _("The photo is larger than the limit of %(limit)s.") % {
        "limit": filesizeformat(max_bytes)
    }
    return _refuse("photo_too_large", message, 413)


def _corrupt():
    message = _("The photo is damaged or incomplete; please take or send it again.")
    return _refuse("photo_corrupt", message, 400)


def _read_upload(upload, max_bytes) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
    else:
        declared = getattr(upload, "size", None)
        if isinstance(declared, int) and declared > max_bytes:
            raise _too_large(max_bytes)
        _rewind(upload)
        data = upload.read(max_bytes + 1)
        _rewind(upload)
        if not isinstance(data, bytes):
            raise TypeError("photo_process needs bytes or a binary file")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise _refuse("photo_empty", _("The photo is empty (0 bytes)."), 400)
    return data


def _rewind(upload):
    # A stream that cannot seek is read from where it stands.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.seek(0)


def _sniff_format(data: bytes) -> str:
    """The Pillow format name the magic number promises, or a refusal."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and _ftyp_brands(data) & _HEIC_BRANDS:
        if not HEIF_SUPPORTED:
            message = _("HEIC photos are not supported; please send JPEG.")
            raise _refuse("photo_heic_unsupported", message, 415)
        return "HEIF"
    message = _("This file is not a supported photo; send JPEG, PNG, WebP or HEIC.")
    raise _refuse("photo_unsupported_type", message, 415)


def _ftyp_brands(data: bytes) -> set[bytes]:
    box_end = min(int.from_bytes(data[:4], "big"), len(data), 4096)
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, box_end - 3, 4))
    return brands


def _decode(data: bytes, source_format: str, max_pixels: int) -> Image.Image:
    # Only the sniffed format's plugin may parse the bytes, so a file cannot
    # be a JPEG to us and something else to Pillow.
    try:
        image = Image.open(io.BytesIO(data), formats=[source_format])
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except Exception as exc:  # Pillow's plugins raise many types on bad input
        raise _corrupt() from exc
    if image.width < 1 or image.height < 1:
        raise _corrupt()
    # Checked on the header, before a single pixel is decoded.
    if image.width * image.height > max_pixels:
        raise _too_many_pixels(max_pixels)
    try:
        image.load()
    except Image.DecompressionBombError:  # pragma: no cover - caught above
        raise _too_many_pixels(max_pixels) from None
    except Exception as exc:
        raise _corrupt() from exc
    return image


def _too_many_pixels(max_pixels):
    message = _("The photo has more than %(limit)s megapixels.") % {
        "limit": f"{max_pixels / 1_000_000:g}"
    }
    return _refuse("photo_too_many_pixels", message, 413)


def _for_format(image: Image.Image, stored_format: str) -> Image.Image:
    """The image in a mode ``stored_format`` can hold, alpha kept where it can."""
    keeps = {"PNG": _PNG_MODES, "WEBP": {"RGB", "RGBA"}, "JPEG": {"RGB", "L"}}
    if image.mode in keeps[stored_format]:
        return image
    return _flatten(image, keep_alpha=stored_format != "JPEG")


def _flatten(image: Image.Image, keep_alpha: bool) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in image.info
    )
    if image.mode == "I;16":
        # Pillow's own conversion clips 16-bit values at 255; scale instead.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    if keep_alpha:
        return rgba
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _encode(image: Image.Image, stored_format: str, icc_profile) -> bytes:
    out = io.BytesIO()
    params = {"icc_profile": icc_profile} if icc_profile else {}
    params.update(_ENCODER_PARAMS[stored_format])
    image.save(out, stored_format, **params)
    return out.getvalue()


def _thumbnail(image: Image.Image, icc_profile) -> bytes:
    scale = THUMBNAIL_SIZE / max(image.size)
    if scale < 1:
        size = (
            max(1, round(image.width * scale)),
            max(1, round(image.height * scale)),
        )
        # reducing_gap box-reduces first: near-LANCZOS quality at a fraction
        # of the cost on a 12-megapixel photo.
        image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    image = _for_format(image, "JPEG")
    out = io.BytesIO()
    params = {"icc_profile": icc_profile} if icc_profile else {}
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, **params)
    return out.getvalue()


def _exif_text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _exif_taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal, in its OffsetTimeOriginal zone or else Jintan time."""
    try:
        exif_ifd = exif.get_ifd(_IFD_EXIF)
    except Exception:
        return None
    text = _exif_text(exif_ifd.get(_TAG_DATETIME_ORIGINAL))
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # absent, blank, or a "0000:00:00 00:00:00" placeholder
    zone = CAMERA_TIME_ZONE
    offset = _OFFSET_RE.match(_exif_text(exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL)))
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= timedelta(hours=14) and int(minutes) < 60:
            zone = timezone(-delta if sign == "-" else delta)
    return naive.replace(tzinfo=zone).astimezone(CAMERA_TIME_ZONE)


def _exif_position(exif: Image.Exif) -> tuple[float | None, float | None]:
    """GPS latitude/longitude, or (None, None) unless both are plausible."""
    try:
        gps = exif.get_ifd(_IFD_GPS)
    except Exception:
        return None, None
    if not gps or _exif_text(gps.get(_GPS_STATUS)).upper() == "V":  # V: void fix
        return None, None
    lat = _gps_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "N", "S", 90)
    lng = _gps_degrees(gps.get(_GPS_LNG), gps.get(_GPS_LNG_REF), "E", "W", 180)
    # 0,0 is what a terminal without a fix writes, not a place anyone works.
    if lat is None or lng is None or (lat == 0 and lng == 0):
        return None, None
    return lat, lng


def _gps_degrees(value, ref, positive, negative, limit) -> float | None:
    ref = _exif_text(ref).upper()
    if ref not in (positive, negative) or value is None:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    try:
        parts = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3:
        return None
    if any(not math.isfinite(part) or part < 0 for part in parts):
        return None
    degrees, minutes, seconds = [*parts, 0.0, 0.0][:3]
    if minutes >= 60 or seconds >= 60:
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > limit:
        return None
    return round(-decimal if ref == negative else decimal, 7)
