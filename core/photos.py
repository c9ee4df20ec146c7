"""Photos people upload: checked before any pixel is decoded, QR codes read from them, shrunk without EXIF to keep.

Pillow and zxing-cpp are imported by the functions that use them: the constants and the refusal here are imported
by pages and services that every process loads, and a `flask` command or a web worker should not pay for them at
start-up (issue 13).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .enums import LabelledEnum
from .errors import ProblemRefusal
from .i18n import _l

if TYPE_CHECKING:
    from PIL import Image

#: Bigger uploads are refused unread: a 48 MP phone JPEG is under 15 MB.
MAX_BYTES = 15 * 1024 * 1024
#: Bigger images are refused from their header, before decoding. A JPEG is decoded at a reduced scale (see
#: READ_SIDE), so 50 MP costs about as much as 12 MP; a PNG or WEBP cannot be, and a 49 MP PNG of 143 KB cost
#: a worker 235 MiB (bench/photo_memory.py), so lossless images stop at 16 MP (a phone screenshot is 3 to 4 MP).
MAX_PIXELS = 50_000_000
MAX_LOSSLESS_PIXELS = 16_000_000
#: A JPEG with a longer side is decoded by its DCT at 1/2, 1/4 or 1/8 scale, to at least this: twice the QR
#: ladder's largest attempt (2000 px), which then averages pixel boxes as it did from the full size. Reading at
#: 2000 px straight from the DCT was faster still but read 94.6 % of bench/qr_decode.py's photos, not 98.2 %.
READ_SIDE = 4000
#: Photos decoded at once in one process; more wait their turn (the memory of each is bounded, not their sum).
DECODING_AT_ONCE = 2
FORMATS = ("JPEG", "PNG", "WEBP")
#: Photos are kept, and shrunk by the page before uploading, to at most this many pixels on their longest
#: side: enough to read a label or a breaker's rating, small enough to send from a site with a weak signal.
PHOTO_SIDE = 1600
#: Lists of photos show them this small (two columns on a phone, at twice its pixel density): a 25th of the
#: kept photo's pixels; a tap opens the kept one.
THUMBNAIL_SIDE = 320


class PhotoProblem(LabelledEnum):
    """Why an upload is not taken as a photo.

    - ``not_an_image``: not a JPEG, PNG or WEBP (a PDF, a text, a GIF), or a broken one.
    - ``too_large``: more than MAX_BYTES.
    - ``too_many_pixels``: more than MAX_PIXELS (MAX_LOSSLESS_PIXELS for PNG and WEBP), as its header says: a
      decompression bomb, or a panorama.
    """

    NOT_AN_IMAGE = "not_an_image", _l("This file is not a photo. Send a JPEG, PNG or WEBP picture.")
    TOO_LARGE = "too_large", _l("This photo is too large. Send one of at most 15 MB.")
    TOO_MANY_PIXELS = "too_many_pixels", _l("This picture has too many pixels. Send a JPEG photo of at most 50 "
                                            "megapixels, or a PNG or WEBP image of at most 16.")


class PhotoError(ProblemRefusal[PhotoProblem]):
    """An upload that is not a usable photo."""


def open_photo(data: bytes) -> Image.Image:
    """The uploaded photo as an upright RGB image, or PhotoError.

    Size and pixel count are checked from the header before the pixels are decoded, so a small file that
    declares a huge image costs nothing. MAX_PIXELS is below Pillow's own bomb thresholds; Pillow's warning
    (an error where warnings are errors, as in the tests) or error on opening is a refusal too. No
    `warnings.catch_warnings()` here: it changes process-wide state, which is not safe under threads.
    A truncated JPEG or PNG decodes grey to the end rather than failing: WeasyPrint sets Pillow's
    LOAD_TRUNCATED_IMAGES for the whole process.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise PhotoError(PhotoProblem.TOO_LARGE)
    try:
        opened = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoError(PhotoProblem.TOO_MANY_PIXELS) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise PhotoError(PhotoProblem.NOT_AN_IMAGE) from error
    pixels = opened.width * opened.height
    if pixels > MAX_PIXELS or (opened.format != "JPEG" and pixels > MAX_LOSSLESS_PIXELS):
        raise PhotoError(PhotoProblem.TOO_MANY_PIXELS)
    if opened.format == "JPEG" and max(opened.size) > READ_SIDE:
        scale = READ_SIDE / max(opened.size)
        opened.draft("RGB", (math.ceil(opened.width * scale), math.ceil(opened.height * scale)))
    try:
        image = ImageOps.exif_transpose(opened)  # decodes; a truncated or corrupt file fails here
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(PhotoProblem.NOT_AN_IMAGE) from error
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # a transparent background would turn black: a screenshot's code on it would vanish
        backdrop = Image.new("RGB", image.size, "white")
        backdrop.paste(image, mask=image.convert("RGBA"))
        return backdrop
    return image if image.mode == "RGB" else image.convert("RGB")


_decoding = threading.BoundedSemaphore(DECODING_AT_ONCE)


@contextmanager
def photo_slot() -> Iterator[None]:
    """Hold one of the process's DECODING_AT_ONCE places while a photo is opened and worked on."""
    with _decoding:
        yield


def _reduced(gray: Image.Image, side: int) -> Image.Image:
    """Shrunk by a whole factor (a fast box average) to a longest side between `side` and twice that."""
    return gray.reduce(max(1, max(gray.size) // side))


def _flattened(gray: Image.Image, radius: int = 8) -> Image.Image:
    """Each pixel against its neighbourhood's mean, stretched: glare and shadow gone, faint contrast made full."""
    from PIL import ImageChops, ImageFilter, ImageOps

    mean = gray.filter(ImageFilter.BoxBlur(radius))
    return ImageOps.autocontrast(ImageChops.subtract(gray, mean, 1, 128), cutoff=1)


def _sharpened(gray: Image.Image) -> Image.Image:
    from PIL import ImageFilter

    return gray.filter(ImageFilter.UnsharpMask(radius=3, percent=150, threshold=2))


def _smoothed_flattened(gray: Image.Image) -> Image.Image:
    """Flattened over about one module of a small code, after smoothing: low-light noise would be stretched too."""
    from PIL import ImageFilter

    return _flattened(gray.filter(ImageFilter.GaussianBlur(1)), 4)


#: Tried in turn until one reads a code, the cheapest and most often right first (see bench/qr_decode.py):
#: a code that fills much of the frame at 1000 px, a small one at 2000 px; then low contrast (glare, low
#: light) for large and small codes; then out-of-focus small codes; then noisy small ones.
_ATTEMPTS = ((1000, None), (2000, None), (800, _flattened), (2000, _flattened), (2000, _sharpened),
             (2000, _smoothed_flattened))


def decode_qr(image: Image.Image) -> list[str]:
    """The text (UTF-8) of each QR code in the photo, or [] when none could be read."""
    import zxingcpp

    gray = image.convert("L")
    sizes: dict[int, Image.Image] = {}
    for side, enhance in _ATTEMPTS:
        if side not in sizes:
            sizes[side] = _reduced(gray, side)
        view = enhance(sizes[side]) if enhance else sizes[side]
        codes = zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        if codes:
            return list(dict.fromkeys(code.bytes.decode("utf-8", "replace") for code in codes))
    return []


def shrink(image: Image.Image, longest_side: int) -> bytes:
    """A JPEG no longer than `longest_side` on either side, for keeping: no EXIF (GPS), XMP, comment or profile."""
    from PIL import Image

    scale = min(1.0, longest_side / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if scale < 1 else image.copy()
    if small.mode != "RGB":
        small = small.convert("RGB")
    small.info.clear()  # resize, copy and convert carry the source's metadata over; JPEG saving writes its comment
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()
