"""Enums whose members carry a translatable label, declared once, next to the member."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """A string enum whose members are declared as ``NAME = "value", _l("What a person reads")``.

    The value is what is stored and compared; `label` is translated when it is read, so one member serves
    every language. After Indico's ``RichEnum.__titles__``, with each label beside its member so that the
    two cannot drift apart. Problem enums use the label as their message.
    """

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        return str(self._label)
