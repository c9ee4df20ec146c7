"""Installer Portal: from electrician to certified EV-charger installer, and on to commissioning."""

from .app import create_app

__all__ = ["create_app"]
