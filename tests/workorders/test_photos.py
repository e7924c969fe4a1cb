"""Photo intake (workorders.photos): what is accepted, refused, rotated and kept.

Pure processing, no database: sample images are built in memory
(tests/workorders/photo_samples.py). Coordinates used below are in Jintan:
31°44'30.5" N, 119°33'36" E is 31.7418056, 119.56.
"""

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jintan.errors import DomainError
from tests.workorders import photo_samples as samples
from workorders import photos
from workorders.photos import photo_process

SHANGHAI = ZoneInfo("Asia/Shanghai")
JINTAN = {"lat": ("N", (31, 44, 30.5)), "lng": ("E", (119, 33, 36))}
BUILDERS = {
    "jpeg": samples.jpeg,
    "png": samples.png,
    "webp": samples.webp,
    "heic": samples.heic,
}
STORED = {
    "jpeg": ("image/jpeg", "jpg", "JPEG"),
    "png": ("image/png", "png", "PNG"),
    "webp": ("image/webp", "webp", "WEBP"),
    "heic": ("image/jpeg", "jpg", "JPEG"),
}


def refusal(data) -> DomainError:
    with pytest.raises(DomainError) as caught:
        photo_process(data)
    error = caught.value
    assert error.fields == {"photo": [error.message]}
    assert error.message
    return error


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60


def is_blue(pixel) -> bool:
    r, g, b = pixel[:3]
    return r < 60 and g < 60 and b > 200


# --- accepted ---------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_accepted_formats_are_stored_with_their_type_size_and_thumbnail(kind):
    data = BUILDERS[kind](size=(400, 300))
    photo = photo_process(data)

    content_type, extension, pillow_format = STORED[kind]
    assert (photo.content_type, photo.extension) == (content_type, extension)
    assert (photo.width, photo.height) == (400, 300)
    stored = opened(photo.content)
    assert stored.format == pillow_format
    assert stored.size == (400, 300)
    thumbnail = opened(photo.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (320, 240)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_thumbnail_of_a_large_photo_is_320_on_its_longest_side():
    photo = photo_process(samples.jpeg(size=(900, 1600)))

    assert (photo.width, photo.height) == (900, 1600)
    assert opened(photo.thumbnail).size == (180, 320)


def test_a_small_photo_is_not_enlarged_for_its_thumbnail():
    photo = photo_process(samples.png(size=(120, 50)))

    assert opened(photo.thumbnail).size == (120, 50)


def test_transparent_png_keeps_alpha_and_its_thumbnail_is_flattened_on_white():
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 32, 32))
    photo = photo_process(samples.encode(image, "PNG"))

    stored = opened(photo.content)
    assert stored.mode == "RGBA"
    assert stored.getpixel((60, 60))[3] == 0
    thumbnail = opened(photo.thumbnail)
    assert thumbnail.mode == "RGB"
    assert min(thumbnail.getpixel((60, 60))) > 240
    assert is_red(thumbnail.getpixel((5, 5)))


def test_palette_png_keeps_its_transparent_index():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.paste(1, (0, 0, 32, 32))
    photo = photo_process(samples.encode(image, "PNG", transparency=0))

    stored = opened(photo.content)
    assert (stored.mode, stored.info.get("transparency")) == ("P", 0)
    thumbnail = opened(photo.thumbnail)
    assert is_blue(thumbnail.getpixel((5, 5)))
    assert min(thumbnail.getpixel((60, 60))) > 240  # transparent: on white


def test_sixteen_bit_grey_png_is_kept_and_its_thumbnail_scaled_not_clipped():
    photo = photo_process(samples.encode(Image.new("I;16", (64, 48), 40_000), "PNG"))

    assert opened(photo.content).mode == "I;16"
    assert opened(photo.thumbnail).getpixel((5, 5)) == pytest.approx(156, abs=2)


def test_cmyk_jpeg_is_stored_as_rgb_jpeg():
    photo = photo_process(samples.encode(samples.quadrant_image(mode="CMYK"), "JPEG"))

    stored = opened(photo.content)
    assert (stored.format, stored.mode) == ("JPEG", "RGB")
    assert is_red(stored.getpixel((10, 10)))


@pytest.mark.parametrize(
    ("make", "name", "client_type", "expected"),
    [
        (samples.jpeg, "x.png", "image/png", "image/jpeg"),
        (samples.png, "x.jpg", "image/jpeg", "image/png"),
        (samples.webp, "photo.heic", "image/heic", "image/webp"),
    ],
)
def test_type_comes_from_the_bytes_not_the_name_or_content_type(
    make, name, client_type, expected
):
    upload = SimpleUploadedFile(name, make(), content_type=client_type)

    assert photo_process(upload).content_type == expected


def test_bytes_file_objects_and_uploads_give_the_same_result():
    data = samples.jpeg(**JINTAN)
    upload = SimpleUploadedFile("a.jpg", data, content_type="image/jpeg")
    upload.read(10)  # a view that peeked must not cut the photo short

    results = [photo_process(data), photo_process(io.BytesIO(data))]
    results.append(photo_process(upload))

    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert len({r.content for r in results}) == 1
    assert upload.tell() == 0  # left rewound for whoever reads it next


# --- orientation ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "heic"])
@pytest.mark.parametrize(
    ("orientation", "size", "red_corner"),
    [
        (1, (400, 300), "top_left"),
        (3, (400, 300), "bottom_right"),
        (6, (300, 400), "top_right"),  # turned 90° clockwise to stand upright
        (8, (300, 400), "bottom_left"),
    ],
)
def test_exif_orientation_is_applied(kind, orientation, size, red_corner):
    photo = photo_process(BUILDERS[kind](size=(400, 300), orientation=orientation))

    assert (photo.width, photo.height) == size
    stored = opened(photo.content).convert("RGB")
    assert stored.size == size
    width, height = size
    corners = {
        "top_left": (10, 10),
        "top_right": (width - 10, 10),
        "bottom_left": (10, height - 10),
        "bottom_right": (width - 10, height - 10),
    }
    for corner, xy in corners.items():
        check = is_red if corner == red_corner else is_blue
        assert check(stored.getpixel(xy)), (corner, stored.getpixel(xy))
    thumbnail = opened(photo.thumbnail)
    assert thumbnail.size == ((240, 320) if width < height else (320, 240))
    assert opened(photo.content).getexif().get(0x0112) in (None, 1)


# --- EXIF: position and time ------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_gps_north_east_is_positive(kind):
    photo = photo_process(BUILDERS[kind](**JINTAN))

    assert photo.lat == pytest.approx(31.7418056, abs=1e-6)
    assert photo.lng == pytest.approx(119.56, abs=1e-6)


def test_gps_south_west_is_negative():
    photo = photo_process(
        samples.jpeg(lat=("S", (33, 52, 4.8)), lng=("W", (151, 12, 36)))
    )

    assert photo.lat == pytest.approx(-33.868, abs=1e-6)
    assert photo.lng == pytest.approx(-151.21, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0)},
        {1: "N", 2: (31.0, 0.0, 0.0), 3: "E", 4: (181.0, 0.0, 0.0)},
        {1: "N", 2: (31.0, 75.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0)},
        {2: (31.0, 0.0, 0.0), 4: (119.0, 0.0, 0.0)},  # no N/S, E/W
        {1: "X", 2: (31.0, 0.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0)},
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # no fix
        {1: "N", 2: (31.0, 0.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0), 9: "V"},
        {1: "N", 2: (31.0, 0.0, 0.0)},  # latitude alone
    ],
)
def test_nonsense_gps_gives_no_position(gps):
    photo = photo_process(samples.jpeg(gps=gps))

    assert (photo.lat, photo.lng) == (None, None)


def test_gps_with_a_zero_denominator_gives_no_position():
    from PIL.TiffImagePlugin import IFDRational

    gps = {1: "N", 2: (IFDRational(31, 0), 0.0, 0.0), 3: "E", 4: (119.0, 0.0, 0.0)}
    photo = photo_process(samples.jpeg(gps=gps))

    assert (photo.lat, photo.lng) == (None, None)


@pytest.mark.parametrize("kind", BUILDERS)
def test_date_time_original_is_read_as_shanghai_time(kind):
    photo = photo_process(BUILDERS[kind](taken="2024:05:06 07:08:09"))

    assert photo.taken_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=SHANGHAI)
    assert photo.taken_at.tzinfo == SHANGHAI
    assert photo.taken_at.utcoffset().total_seconds() == 8 * 3600


def test_offset_time_original_is_used_when_present():
    photo = photo_process(
        samples.jpeg(taken="2024:05:06 07:08:09", offset="+09:00"),
    )

    # 07:08:09 in Tokyo is 06:08:09 in Jintan.
    assert photo.taken_at == datetime(2024, 5, 6, 6, 8, 9, tzinfo=SHANGHAI)
    assert photo.taken_at.tzinfo == SHANGHAI


@pytest.mark.parametrize("taken", ["0000:00:00 00:00:00", "    ", "yesterday"])
def test_placeholder_or_garbage_time_gives_none(taken):
    assert photo_process(samples.jpeg(taken=taken)).taken_at is None


@pytest.mark.parametrize("kind", BUILDERS)
def test_no_exif_gives_no_time_and_no_position(kind):
    photo = photo_process(BUILDERS[kind]())

    assert (photo.taken_at, photo.lat, photo.lng) == (None, None, None)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_malformed_exif_does_not_refuse_the_photo():
    data = samples.jpeg()
    garbage = b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xf0" + b"\x13" * 40
    segment = b"\xff\xe1" + (len(garbage) + 2).to_bytes(2, "big") + garbage
    photo = photo_process(data[:2] + segment + data[2:])

    assert (photo.width, photo.height) == (400, 300)
    assert (photo.taken_at, photo.lat, photo.lng) == (None, None, None)


# --- privacy ----------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_stored_photo_and_thumbnail_carry_no_exif(kind):
    data = BUILDERS[kind](orientation=6, taken="2024:05:06 07:08:09", **JINTAN)
    assert opened(data).getexif().get_ifd(0x8825)  # the sample carries GPS

    photo = photo_process(data)

    assert photo.lat is not None  # read into our fields ...
    for content in (photo.content, photo.thumbnail):  # ... and gone from files
        image = opened(content)
        assert not image.getexif()
        assert "exif" not in image.info
        assert "xmp" not in image.info
        # Every EXIF block, whatever the container, starts with a TIFF header.
        assert b"MM\x00\x2a" not in content
        assert b"II\x2a\x00" not in content


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "taken at 12 Example Road by device SN-4711")
    data = samples.encode(samples.quadrant_image(), "PNG", pnginfo=info)
    assert b"SN-4711" in data

    photo = photo_process(data)

    assert b"SN-4711" not in photo.content
    assert not opened(photo.content).text


def test_sha256_is_of_the_original_bytes_not_the_stored_ones():
    data = samples.jpeg(**JINTAN)

    photo = photo_process(data)

    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.sha256 != hashlib.sha256(photo.content).hexdigest()


# --- refused ----------------------------------------------------------------


def _gif():
    return samples.encode(samples.quadrant_image().convert("P"), "GIF")


def _avif():
    return samples.encode(samples.quadrant_image(), "AVIF")


def _mif1_without_heic_brand():
    return b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf" + b"\x00" * 64


UNSUPPORTED = ("photo_unsupported_type", 415)
CORRUPT = ("photo_corrupt", 400)
TOO_MANY_PIXELS = ("photo_too_many_pixels", 413)
REFUSED = {
    "gif": (_gif, UNSUPPORTED),
    "avif": (_avif, UNSUPPORTED),
    "heif-not-hevc": (_mif1_without_heic_brand, UNSUPPORTED),
    "pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", UNSUPPORTED),
    "text": (lambda: "巡查发现井盖缺失\n".encode(), UNSUPPORTED),
    "elf": (lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 57, UNSUPPORTED),
    "exe": (lambda: b"MZ\x90\x00" + b"\x00" * 60, UNSUPPORTED),
    "gif-header": (lambda: b"GIF89a", UNSUPPORTED),
    "zero-bytes": (lambda: b"", ("photo_empty", 400)),
    "truncated-jpeg": (lambda: samples.noisy_jpeg()[:5000], CORRUPT),
    "jpeg-without-end": (lambda: samples.noisy_jpeg()[:-2], CORRUPT),
    "jpeg-header-only": (lambda: samples.jpeg()[:200], CORRUPT),
    "jpeg-magic-garbage": (lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 100, CORRUPT),
    "truncated-png": (lambda: samples.png()[:-30], CORRUPT),
    "truncated-webp": (lambda: samples.webp()[:40], CORRUPT),
    "truncated-heic": (lambda: samples.heic()[:300], CORRUPT),
    "pixel-bomb": (lambda: samples.png_header_only(100_000, 100_000), TOO_MANY_PIXELS),
    "over-50-mp": (lambda: samples.png_header_only(60_000, 1_000), TOO_MANY_PIXELS),
}


@pytest.mark.parametrize(("make", "expected"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_code_and_status(make, expected):
    error = refusal(make())

    assert (error.code, error.status) == expected


def test_an_executable_named_jpg_is_refused():
    upload = SimpleUploadedFile(
        "IMG_0001.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="image/jpeg"
    )

    assert refusal(upload).code == "photo_unsupported_type"


def test_over_the_byte_limit_is_refused(settings):
    data = samples.noisy_jpeg()
    settings.PHOTO_MAX_BYTES = len(data) - 1

    for upload in (data, io.BytesIO(data), SimpleUploadedFile("a.jpg", data)):
        error = refusal(upload)
        assert (error.code, error.status) == ("photo_too_large", 413)


def test_exactly_at_the_byte_limit_is_accepted(settings):
    data = samples.jpeg()
    settings.PHOTO_MAX_BYTES = len(data)

    assert photo_process(data).sha256 == hashlib.sha256(data).hexdigest()


def test_declared_upload_size_over_the_limit_is_refused_before_reading(settings):
    settings.PHOTO_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        size = 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("read although the declared size is too large")

    assert refusal(Upload()).code == "photo_too_large"


def test_byte_limit_defaults_to_10_mib(settings):
    del settings.PHOTO_MAX_BYTES  # absent from settings: the default applies
    data = b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)

    assert refusal(data).code == "photo_too_large"


def test_over_the_pixel_limit_is_refused(settings):
    settings.PHOTO_MAX_PIXELS = 400 * 300 - 1

    error = refusal(samples.jpeg(size=(400, 300)))

    assert (error.code, error.status) == ("photo_too_many_pixels", 413)
    settings.PHOTO_MAX_PIXELS = 400 * 300
    assert photo_process(samples.jpeg(size=(400, 300))).width == 400


# --- HEIC -------------------------------------------------------------------


def test_heic_is_supported_here_and_stored_as_jpeg():
    assert photos.HEIF_SUPPORTED  # pillow-heif is pinned in requirements.txt
    photo = photo_process(
        SimpleUploadedFile("IMG_1234.HEIC", samples.heic(), content_type="image/heic")
    )

    assert (photo.content_type, photo.extension) == ("image/jpeg", "jpg")
    assert is_red(opened(photo.content).getpixel((10, 10)))


def test_heic_without_pillow_heif_is_refused_as_not_supported(monkeypatch):
    monkeypatch.setattr(photos, "HEIF_SUPPORTED", False)

    error = refusal(samples.heic())

    assert (error.code, error.status) == ("photo_heic_unsupported", 415)
