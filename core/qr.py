"""QR codes as images, for labels, certificates and anything else a phone's camera should open.

qrcode (and Pillow with it) is imported when the first code is drawn, not when the app starts (issue 13).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def qr_image(text: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    """The code as an RGB image, with error correction M (a scratched or dirty print still reads)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB")


def qr_png(text: str, *, box_size: int = 10, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    qr_image(text, box_size=box_size, border=border).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
