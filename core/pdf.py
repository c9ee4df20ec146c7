"""PDFs from our own templates with WeasyPrint, which may read nothing but the app's PDF assets.

WeasyPrint is imported when the first PDF is made: loading it (Pango, whose libraries ctypes looks for) takes a
second or more, which every process paid at start-up, web and job workers and each `flask` command, though most
of them never render a PDF.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class AppFilesOnly(URLFetcher):
        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=2)
            self.root = root.resolve()

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if self.root not in path.parents:
                    raise ValueError(f"refused to fetch {url}")
            elif not url.startswith("data:"):
                raise ValueError(f"refused to fetch {url}")
            return super().fetch(url, headers)

    return AppFilesOnly


def app_files_only(root: Path) -> Any:
    """A WeasyPrint URL fetcher that allows `data:` URIs and files under `root` only: no network, no other files,
    no redirects."""
    return _fetcher_class()(root)


def render_pdf(html: str) -> bytes:
    """Render HTML whose stylesheets and images live in static/pdf/ (or are data: URIs)."""
    return join_pdf([lay_out(html)])


def lay_out(html: str) -> Any:
    """The pages of HTML as `render_pdf` lays them out (a WeasyPrint `Document`), not yet written: a long
    document is laid out in parts, so that its progress can be reported, and joined by `join_pdf`."""
    from weasyprint import HTML

    assets = Path(current_app.static_folder or "static") / "pdf"
    return HTML(string=html, base_url=str(assets) + "/", url_fetcher=app_files_only(assets)).render()


def join_pdf(parts: list[Any]) -> bytes:
    """One PDF of the pages of every part from `lay_out`, in order, with the first part's title and language."""
    pdf: bytes = parts[0].copy([page for part in parts for page in part.pages]).write_pdf()
    return pdf


def data_uri(data: bytes, mimetype: str) -> str:
    """Bytes inlined in HTML (an image in a PDF): the fetcher reads `data:` URIs and nothing from the network."""
    return f"data:{mimetype};base64,{base64.b64encode(data).decode()}"
