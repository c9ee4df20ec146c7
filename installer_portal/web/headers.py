"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

#: Everything comes from this app: no CDN, no inline script, no framing.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def security_headers(hsts: bool) -> dict[str, str]:
    """The headers every response carries, the error pages built outside Flask's handlers included."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def register(app: Flask) -> None:
    always = security_headers(app.config["PUBLIC_BASE_URL"].startswith("https://"))

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        for name, value in always.items():
            headers.setdefault(name, value)
        immutable = "immutable" in headers.get("Cache-Control", "")  # content-addressed media
        if not request.path.startswith("/static/") and not immutable \
                and (current_user.is_authenticated or "Set-Cookie" in headers):
            # Personal pages are not kept by browsers or shared caches.
            headers["Cache-Control"] = "no-store"
        return response
