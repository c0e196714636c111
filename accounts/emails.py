"""E-mail addresses in one normalised form, and the look-alikes we refuse (pure: no Django).

Every address the portal stores or compares goes through `email_normalise` (strict: what a
person types) or `email_canonical` (lenient: rows already stored, in the migration that
normalised them). The form is: surrounding blanks removed, NFKC, the local part
lower-cased, the domain lower-cased and written in IDNA (punycode, ASCII). Two spellings
of one address therefore compare equal with `==`; no database case-folding is involved.

Refused (`EmailRefused`, with a `reason` the service turns into a message):
- invisible characters anywhere: controls, format characters (zero-width joiners, bidi
  overrides, soft hyphen), other default-ignorables (Hangul fillers, variation selectors);
- a local part that is not ASCII (Django's `EmailValidator` refuses those too, and we do
  not send SMTPUTF8 mail), which rules out every look-alike in the local part;
- a domain label that mixes scripts (UTS #39 "highly restrictive": one script, or Latin
  with Han and Japanese kana, Bopomofo or Hangul), or holds a non-ASCII character that is
  a confusable of one ASCII character (Cyrillic 'а', Greek 'ο', dotless 'ı'), or an ASCII
  letter with a combining mark left after NFKC.
Confusables and scripts come from `confusable_homoglyphs` (Unicode's confusables.txt and
Scripts.txt).
"""

from __future__ import annotations

import unicodedata

import idna
from confusable_homoglyphs import categories, confusables

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})
# Default_Ignorable_Code_Point characters outside those categories (Unicode's
# DerivedCoreProperties.txt): fillers that render as nothing and variation selectors.
INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
# UTS #39 "highly restrictive": the script sets a single label may use.
ALLOWED_SCRIPT_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})


class EmailRefused(ValueError):
    """An address we will not store; `reason` is one of the REASONS below."""

    REASONS = ("malformed", "invisible", "non_ascii_local_part", "mixed_script", "look_alike")

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_invisible(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) in INVISIBLE_CATEGORIES or any(lo <= code <= hi for lo, hi in INVISIBLE_RANGES)


def _split(address: str) -> tuple[str, str]:
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise EmailRefused("malformed")
    return local, domain


def _idna(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise EmailRefused("malformed") from None


def _script(char: str) -> str:
    return categories.alias(char)


def _mixes_scripts(label: str) -> bool:
    scripts = {_script(char) for char in label} - NEUTRAL_SCRIPTS
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_SCRIPT_SETS)


def _looks_like_ascii(char: str) -> bool:
    """A non-ASCII character that Unicode lists as a confusable of one ASCII character."""
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=[]) or []
    return any(len(glyph["c"]) == 1 and glyph["c"].isascii() for entry in found for glyph in entry["homoglyphs"])


def _has_look_alike(label: str) -> bool:
    for index, char in enumerate(label):
        if char.isascii():
            continue
        if unicodedata.combining(char) and index > 0 and label[index - 1].isascii():
            return True
        if _looks_like_ascii(char):
            return True
    return False


def email_canonical(raw: str) -> str:
    """The normalised form of an address, refusing nothing but a missing '@' or a domain IDNA
    cannot write (then the domain is only lower-cased). For rows already stored."""
    address = unicodedata.normalize("NFKC", raw.strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    try:
        domain = _idna(domain.lower())
    except EmailRefused:
        domain = domain.lower()
    return f"{local.lower()}@{domain}"


def email_normalise(raw: str) -> str:
    """The one form in which an address a person typed is stored and compared; raises
    `EmailRefused` for an invisible character, a non-ASCII local part or a look-alike domain."""
    stripped = raw.strip()
    if any(_is_invisible(char) for char in stripped):
        raise EmailRefused("invisible")
    local, domain = _split(unicodedata.normalize("NFKC", stripped))
    if not local.isascii():
        raise EmailRefused("non_ascii_local_part")
    ascii_domain = _idna(domain.lower())
    # Each label is checked as it resolves: IDNA's mapping applied, punycode decoded
    # (so a look-alike typed as `xn--…` is refused like one typed in Unicode).
    for label in ascii_domain.split("."):
        try:
            shown = idna.decode(label) if label.startswith("xn--") else label
        except idna.IDNAError:
            raise EmailRefused("malformed") from None
        if _mixes_scripts(shown):
            raise EmailRefused("mixed_script")
        if _has_look_alike(shown):
            raise EmailRefused("look_alike")
    return f"{local.lower()}@{ascii_domain}"
