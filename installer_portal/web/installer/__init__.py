"""The installer's pages ("installer", for people with the installer role only): one module per area."""

from . import finding, home, wizard  # noqa: F401  (each adds its routes to the blueprint)
from .blueprint import bp

__all__ = ["bp"]
