"""Photos from site: what is refused before decoding, QR codes read from real JPEGs, EXIF never kept."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest
import qrcode
from PIL import Image, ImageDraw, ImageFilter

from core.photos import (
    MAX_BYTES,
    MAX_PIXELS,
    READ_SIDE,
    PhotoError,
    PhotoProblem,
    decode_qr,
    open_photo,
    shrink,
)

URL = "https://portal.example.com/s/EVB-2026-000123"
WALL = (128, 126, 120)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def qr_image(text: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image().get_image().convert("RGBA")


def jpeg(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88, **options)
    return buffer.getvalue()


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def photo_with_code(text: str, angle: float, blur: float, side: int = 420) -> bytes:
    """A 3000x2250 phone-like JPEG: a wall, a frame, the code turned by `angle` and the whole photo blurred."""
    photo = Image.new("RGB", (3000, 2250), WALL)
    ImageDraw.Draw(photo).rectangle((200, 150, 2800, 2100), outline=(60, 60, 60), width=20)
    code = qr_image(text).resize((side, side)).rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    photo.paste(code, (1700, 900), code)
    return jpeg(photo.filter(ImageFilter.GaussianBlur(blur)))


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for a huge 1-bit image, with only a few bytes of pixel data after it."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, grey, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1024)))
            + chunk(b"IEND", b""))


def problem_of(data: bytes) -> PhotoProblem:
    with pytest.raises(PhotoError) as caught:
        open_photo(data)
    return caught.value.problem


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(("angle", "blur"), [(0, 0.8), (33, 2.0), (-38, 1.5)])
def test_a_turned_and_blurred_code_is_read(angle, blur):
    assert decode_qr(open_photo(photo_with_code(URL, angle, blur))) == [URL]


def test_a_small_code_in_a_large_photo_is_read():
    assert decode_qr(open_photo(photo_with_code("00:1A:2B:3C:4D:5E", 20, 1.5, side=250))) == ["00:1A:2B:3C:4D:5E"]


def test_text_is_decoded_as_utf8():
    text = "https://portal.example.com/s/ÆRØ-2026-1"
    assert decode_qr(open_photo(photo_with_code(text, 10, 1.0))) == [text]


def test_a_photo_without_a_code_gives_nothing():
    photo = Image.new("RGB", (3000, 2250), WALL)
    ImageDraw.Draw(photo).rectangle((200, 150, 2800, 2100), outline=(60, 60, 60), width=20)
    assert decode_qr(open_photo(jpeg(photo))) == []


def test_a_code_on_a_transparent_background_is_read():
    """A screenshot of a label as PNG: transparency becomes white, not black that would hide the code."""
    code = qr_image(URL)
    transparent = Image.new("RGBA", code.size, (0, 0, 0, 0))
    transparent.paste(code, mask=code.convert("L").point(lambda v: 255 - v))
    assert decode_qr(open_photo(encoded(transparent, "PNG"))) == [URL]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_photos(fmt):
    image = open_photo(encoded(Image.new("RGB", (64, 48), "red"), fmt))
    assert (image.mode, image.size) == ("RGB", (64, 48))


def test_a_phone_jpeg_with_a_second_picture_is_a_photo():
    """Some phones save MPO: a JPEG with a preview image appended."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, format="MPO", save_all=True,
                                           append_images=[Image.new("RGB", (32, 24), "blue")])
    assert open_photo(buffer.getvalue()).size == (64, 48)


def test_a_pdf_named_jpg_is_not_an_image():
    data = encoded(Image.new("RGB", (200, 100), "white"), "PDF")
    assert data.startswith(b"%PDF")
    assert problem_of(data) == PhotoProblem.NOT_AN_IMAGE


@pytest.mark.parametrize("data", [b"", b"station EVB-2026-000123, MAC 00:1A:2B:3C:4D:5E\n", bytes(5000)])
def test_text_and_other_bytes_are_not_an_image(data):
    assert problem_of(data) == PhotoProblem.NOT_AN_IMAGE


def test_a_gif_is_not_an_image():
    assert problem_of(encoded(Image.new("RGB", (64, 48), "red"), "GIF")) == PhotoProblem.NOT_AN_IMAGE


def test_a_truncated_webp_is_not_an_image():
    """(A truncated JPEG or PNG decodes grey to the end: WeasyPrint sets LOAD_TRUNCATED_IMAGES for the process.)"""
    data = encoded(Image.effect_noise((400, 300), 40).convert("RGB"), "WEBP")
    assert problem_of(data[: len(data) // 2]) == PhotoProblem.NOT_AN_IMAGE


def test_more_bytes_than_the_cap_are_refused_unread():
    data = jpeg(Image.new("RGB", (64, 48), "red"))
    assert problem_of(data + bytes(MAX_BYTES + 1 - len(data))) == PhotoProblem.TOO_LARGE
    assert problem_of(b"not even an image" * (MAX_BYTES // 16)) == PhotoProblem.TOO_LARGE


@pytest.mark.parametrize("size", [
    (30000, 30000),   # beyond twice Pillow's own limit: its DecompressionBombError
    (10000, 10000),   # between Pillow's limit and twice it: its warning, made our refusal
    (8000, 7000),     # under Pillow's limit, over ours
])
def test_a_small_file_declaring_too_many_pixels_is_refused_before_decoding(size):
    data = png_declaring(*size)
    assert len(data) < 200
    assert size[0] * size[1] > MAX_PIXELS
    images_before, peak_before = Image.core.get_stats()["new_count"], peak_rss_mib()
    assert problem_of(data) == PhotoProblem.TOO_MANY_PIXELS
    assert Image.core.get_stats()["new_count"] == images_before  # no pixel buffer was even allocated
    assert peak_rss_mib() - peak_before < 20  # decoding the smallest of these would take 56 MB


def test_exif_orientation_is_applied():
    """Stored on its side (red left, blue right) with orientation 6: upright, red is on top."""
    stored = Image.new("RGB", (300, 100), "blue")
    stored.paste((255, 0, 0), (0, 0, 150, 100))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    image = open_photo(jpeg(stored, exif=exif))
    assert image.size == (100, 300)
    red, blue = image.getpixel((50, 40)), image.getpixel((50, 260))
    assert red[0] > 200 > red[2]
    assert blue[2] > 200 > blue[0]


def test_shrunk_photo_keeps_no_exif_gps_xmp_or_comment():
    photo = Image.new("RGB", (4000, 3000), WALL)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (59.0, 54.0, 49.9), 3: "E", 4: (10.0, 45.0, 8.1)}
    data = jpeg(photo, exif=exif, xmp=b"<x:xmpmeta>exif:GPSLatitude 59,54.83N</x:xmpmeta>",
                comment=b"taken at 59.9139 N 10.7522 E")
    source = open_photo(data)
    assert source.getexif().get_ifd(GPS_IFD)  # the upload did carry a position

    shrunk = shrink(source, 1600)
    kept = Image.open(io.BytesIO(shrunk))
    assert (kept.format, kept.size) == ("JPEG", (1600, 1200))
    assert not kept.getexif()
    assert not {"exif", "xmp", "comment", "icc_profile"} & kept.info.keys()
    assert b"Exif" not in shrunk
    assert b"GPS" not in shrunk
    assert b"59.9139" not in shrunk


def test_a_photo_smaller_than_the_side_is_not_enlarged():
    shrunk = shrink(Image.new("RGB", (800, 600), WALL), 1600)
    assert Image.open(io.BytesIO(shrunk)).size == (800, 600)


def test_a_lossless_image_of_many_pixels_is_refused_before_decoding():
    """The audit's 143 KB PNG of 49 MP cost a worker 235 MiB to decode; lossless images stop at 16 MP."""
    buffer = io.BytesIO()
    Image.new("L", (5000, 4000), 0).save(buffer, "PNG", optimize=True)
    images_before = Image.core.get_stats()["new_count"]
    assert problem_of(buffer.getvalue()) == PhotoProblem.TOO_MANY_PIXELS
    assert Image.core.get_stats()["new_count"] == images_before


def test_a_large_jpeg_is_read_at_a_reduced_scale():
    photo = Image.effect_noise((1000, 750), 60).resize((8000, 6000)).convert("RGB")
    opened = open_photo(jpeg(photo))
    assert max(opened.size) < 8000
    assert max(opened.size) >= READ_SIDE
