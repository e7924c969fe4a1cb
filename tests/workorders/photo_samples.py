"""Sample photos built in memory with Pillow for the photo-intake tests.

Every sample is a ``size`` image whose top-left quadrant is red and the rest
blue, so a test can tell where a corner went after rotation.
"""

import io
import zlib

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def quadrant_image(size=(400, 300), mode="RGB") -> Image.Image:
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
    return image.convert(mode)


def exif_bytes(
    *, orientation=None, lat=None, lng=None, taken=None, offset=None, gps=None
) -> bytes:
    """EXIF as Pillow writes it: IFD0, the Exif IFD and the GPS IFD.

    ``lat``/``lng`` are (ref, (degrees, minutes, seconds)) pairs, e.g.
    ``("N", (31, 44, 30.5))``; ``gps`` is a raw GPS IFD dict for odd cases.
    """
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if taken is not None or offset is not None:
        exif_ifd = exif.get_ifd(0x8769)
        if taken is not None:
            exif_ifd[0x9003] = taken
        if offset is not None:
            exif_ifd[0x9011] = offset
    if lat is not None or lng is not None or gps is not None:
        gps_ifd = exif.get_ifd(0x8825)
        if lat is not None:
            gps_ifd[1], gps_ifd[2] = lat[0], tuple(float(v) for v in lat[1])
        if lng is not None:
            gps_ifd[3], gps_ifd[4] = lng[0], tuple(float(v) for v in lng[1])
        gps_ifd.update(gps or {})
    return exif.tobytes()


def encode(image: Image.Image, fmt: str, *, exif: bytes | None = None, **params):
    out = io.BytesIO()
    if exif:
        params["exif"] = exif
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(400, 300), **exif) -> bytes:
    return encode(quadrant_image(size), "JPEG", exif=exif_bytes(**exif), quality=95)


def png(size=(400, 300), mode="RGB", **exif) -> bytes:
    return encode(quadrant_image(size, mode), "PNG", exif=exif_bytes(**exif))


def webp(size=(400, 300), **exif) -> bytes:
    return encode(quadrant_image(size), "WEBP", exif=exif_bytes(**exif), quality=95)


def heic(size=(400, 300), **exif) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encode(quadrant_image(size), "HEIF", exif=exif_bytes(**exif), quality=90)


def noisy_jpeg(size=(800, 600)) -> bytes:
    """A JPEG with a long entropy-coded scan, to cut in the middle."""
    return encode(Image.effect_noise(size, 60).convert("RGB"), "JPEG")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (valid CRC, tiny IDAT)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )
