"""The one refusal type: every rule that says no raises a subclass of `Refusal`."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .enums import LabelledEnum


class Refusal(Exception):
    """A rule said no. Views catch this one type, show `message` (beside `field` when it names one) and
    change nothing; the CLI prints it. Subclasses say which feature refused and may carry the rows involved.

    - `message`: translated when read, safe to show; a `LabelledEnum` member gives its label.
    - `field`: the form field the refusal is about, or None for the page as a whole.
    - `code`: a stable machine-readable reason (usually a problem enum member) for callers that branch on it.
    """

    def __init__(self, message: Any, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self._message = message
        self.field = field
        self.code = code

    @property
    def message(self) -> str:
        if isinstance(self._message, LabelledEnum):
            return self._message.label
        return str(self._message)

    def __str__(self) -> str:
        return self.message


P = TypeVar("P", bound=LabelledEnum)


class ProblemRefusal(Refusal, Generic[P]):
    """A refusal whose reason is a member of a problem enum: the member is the code, its label the message."""

    def __init__(self, problem: P, field: str | None = None) -> None:
        super().__init__(problem, field, code=problem)
        self.problem = problem
