"""The refusal a learning rule raises when it says no."""

from __future__ import annotations

from core.errors import Refusal

#: Codes a learning refusal may carry; the views answer them with these HTTP statuses (anything else: 409).
NOT_FOUND = "not_found"
INVALID = "invalid"


class LearningError(Refusal):
    """A learning rule refused. `code` is NOT_FOUND (no such thing for this learner), INVALID (the request
    does not fit: malformed answers or video reports) or None (a conflict with where the learner is)."""
