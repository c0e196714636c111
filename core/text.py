"""What a one-line text field accepts: no line breaks, control characters or invisible
formatting characters.

A title, a name or a case number is shown in e-mail subjects and headers, the admin's lists,
CSV exports and other people's screens. A CR/LF there splits a line (or a header), and the
invisible characters let a text read differently from what it is: bidi overrides reverse what
follows ("Trojan Source"), zero-width spaces hide inside words so two look-alike titles or names
differ. Refused, with a message that says what to remove.

Noncharacters (U+FFFE, U+FFFF, U+FDD0-U+FDEF and the last two code points of every plane) are
refused too: they are reserved for a program's internal use and never meant to be exchanged.

Zero-width joiner and non-joiner (U+200D, U+200C) are kept: Persian, Hindi and other scripts,
and emoji sequences, need them to be written correctly.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}  # zero-width non-joiner, joiner
# Cc: control characters (CR, LF, TAB, NUL, ...); Cf: format (bidi controls, zero-width
# space, BOM, soft hyphen ...); Zl, Zp: line and paragraph separators; Co, Cs: private use,
# surrogates.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def is_noncharacter(char: str) -> bool:
    """One of Unicode's 66 noncharacters: U+FDD0-U+FDEF and U+xxFFFE, U+xxFFFF of each plane."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def single_line_refusal(text: str) -> str | None:
    """The first refused character, described (e.g. "U+202E RIGHT-TO-LEFT OVERRIDE"), or None."""
    for char in text:
        if is_noncharacter(char):
            return f"U+{ord(char):04X} noncharacter"
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _ALLOWED_FORMAT_CHARACTERS:
            name = unicodedata.name(char, "control character")
            return f"U+{ord(char):04X} {name}"
    return None


def single_line_validator(value: str) -> None:
    """Django validator for one-line fields (forms and API serializers)."""
    refused = single_line_refusal(value or "")
    if refused is not None:
        raise ValidationError(
            _("Use one line of visible text: remove the line break or invisible character (%(char)s)."),
            code="invisible_character",
            params={"char": refused},
        )
