"""Photo intake: seconds per ``photo_process`` call on a 12-megapixel photo.

    .venv/bin/python -m bench.bench_photos [--runs 5] [--formats jpeg,heic,...]

Builds a 4000×3000 phone-like photo in memory (gradient, shapes and sensor
noise, so the JPEG is a few MB like a real one) with EXIF time and GPS, once
upright and once with orientation 6 (shot sideways: the image is rotated),
then times ``photo_process`` ``--runs`` times after one warm-up call and
prints every run and the median. Target: a 12-megapixel JPEG well under a
second on this 2-core machine. No database: the module is pure.
"""

import argparse
import io
import os
import statistics
import time


def phone_photo(size=(4000, 3000)):
    from PIL import Image, ImageDraw, ImageFilter

    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    scene = Image.merge("RGB", (sky, sky.transpose(Image.Transpose.ROTATE_180), sky))
    draw = ImageDraw.Draw(scene)
    for i in range(40):
        x, y = (i * 997) % width, (i * 613) % height
        draw.rectangle((x, y, x + 400, y + 250), fill=(i * 6 % 256, 120, 200 - i * 4))
    noise = Image.effect_noise(size, 32).filter(ImageFilter.BoxBlur(0.6))
    return Image.merge(
        "RGB",
        [Image.blend(band, noise, 0.4) for band in scene.split()],
    )


def samples(formats):
    from tests.workorders import photo_samples

    photo = phone_photo()
    exif = photo_samples.exif_bytes(
        taken="2024:05:06 07:08:09",
        lat=("N", (31, 44, 30.5)),
        lng=("E", (119, 33, 36)),
    )
    sideways = photo_samples.exif_bytes(orientation=6, taken="2024:05:06 07:08:09")
    params = {
        "jpeg": ("JPEG", {"quality": 95}),
        "heic": ("HEIF", {"quality": 85}),
        "png": ("PNG", {"compress_level": 6}),
        "webp": ("WEBP", {"quality": 85}),
    }
    if "heic" in formats:
        import pillow_heif

        pillow_heif.register_heif_opener()
    for name in formats:
        fmt, options = params[name]
        yield name, photo_samples.encode(photo, fmt, exif=exif, **options)
        if name == "jpeg":
            data = photo_samples.encode(photo, fmt, exif=sideways, **options)
            yield "jpeg, orientation 6", data


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", default="jpeg,heic,webp,png")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jintan.settings.test")
    import django

    django.setup()
    from django.conf import settings

    from workorders.photos import photo_process

    settings.PHOTO_MAX_BYTES = 64 * 1024 * 1024  # noise makes PNGs huge
    for name, data in samples(args.formats.split(",")):
        photo = photo_process(io.BytesIO(data))  # warm-up
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            photo_process(io.BytesIO(data))
            runs.append(time.perf_counter() - started)
        print(
            f"{name:20} in {len(data) / 1e6:5.1f} MB -> {photo.width}×{photo.height}"
            f" {photo.content_type} {len(photo.content) / 1e6:.1f} MB,"
            f" thumb {len(photo.thumbnail) / 1e3:.0f} kB;"
            f" runs {' '.join(f'{r:.3f}' for r in runs)} s;"
            f" median {statistics.median(runs):.3f} s"
        )


if __name__ == "__main__":
    main()
