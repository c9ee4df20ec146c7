"""The support console ("support", staff only): one module per area, one access check for all of them."""

from . import audit_log, labels, outbox, people, stations  # noqa: F401  (each adds its routes to the blueprint)
from .blueprint import bp

__all__ = ["bp"]
