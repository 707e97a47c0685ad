"""Number boxes that read the same under every locale.

A spin box follows the system locale: under de_DE (also fr_FR, tr_TR) "." is the group
separator, so typing 0.12 in the η box gave η = 12; under C, "0,13" gave 13. These boxes show
numbers with a point and accept a point or a comma as the decimal separator; group separators
are refused (a box cannot take 1,000 for a thousand and 1,5 for one and a half at once).
"""
from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox


def plain_locale() -> QLocale:
    locale = QLocale.c()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator
                            | QLocale.NumberOption.RejectGroupSeparator)
    return locale


def plain_numbers(*boxes: QAbstractSpinBox) -> None:
    """Whole-number boxes: digits only, no group separators, whatever the system locale."""
    for box in boxes:
        box.setLocale(plain_locale())


class NumberBox(QDoubleSpinBox):
    """A QDoubleSpinBox that shows a decimal point and takes a point or a comma for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setLocale(plain_locale())

    def validate(self, text, pos):
        return super().validate(text.replace(",", "."), pos)

    def valueFromText(self, text):
        return super().valueFromText(text.replace(",", "."))
