"""The one normalised form of an e-mail address, and the look-alikes refused (no database)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.emails import EmailRefused, email_canonical, email_normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Erin.Engineer@Contoso.Example", "erin.engineer@contoso.example"),
        ("  carl@fabrikam.example \n", "carl@fabrikam.example"),
        ("ｅｒｉｎ@ｃｏｎｔｏｓｏ.example", "erin@contoso.example"),  # full width, as an IME types it: NFKC
        ("mar\u212a@contoso.example", "mark@contoso.example"),  # KELVIN SIGN is K under NFKC
        ("anna@Bücher.example", "anna@xn--bcher-kva.example"),
        ("anna@xn--bcher-kva.example", "anna@xn--bcher-kva.example"),
        ("taro@例え.jp", "taro@xn--r8jz45g.jp"),  # Han with kana is one writing system
        ("jo@straße.de", "jo@xn--strae-oqa.de"),
    ],
)
def test_addresses_are_stored_in_one_form(typed, stored):
    assert email_normalise(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("erin@\u0441ontoso.example", "mixed_script"),  # Cyrillic es, then Latin
        ("erin@\u0440\u0430\u0443\u0440\u0430.example", "look_alike"),  # all Cyrillic, reads "paypa"
        ("erin@xn--80aa0cbo.example", "look_alike"),  # the same, typed as punycode
        ("erin@\u0131stanbul.example", "look_alike"),  # dotless i
        ("erin@i\u0307stanbul.example", "look_alike"),  # i with a combining dot
        ("m\u0430rk@contoso.example", "non_ascii_local_part"),  # Cyrillic a
        ("er\u200bin@contoso.example", "invisible"),  # zero-width space
        ("erin\u200d@contoso.example", "invisible"),  # zero-width joiner
        ("erin@contoso.example\u202e", "invisible"),  # right-to-left override
        ("erin@con\u00adtoso.example", "invisible"),  # soft hyphen (IDNA would drop it)
        ("erin\u3164@contoso.example", "invisible"),  # Hangul filler
        ("er in@contoso.example", "invisible"),
        ("not-an-address", "malformed"),
        ("erin@", "malformed"),
        ("erin@.example", "malformed"),
    ],
)
def test_look_alikes_and_invisible_characters_are_refused(typed, reason):
    with pytest.raises(EmailRefused) as refused:
        email_normalise(typed)
    assert refused.value.reason == reason


def test_the_lenient_form_for_stored_rows_refuses_nothing():
    assert email_canonical(" Erin@Contoso.EXAMPLE ") == "erin@contoso.example"
    assert email_canonical("no-at-sign") == "no-at-sign"
    assert email_canonical("a@-bad-.example") == "a@-bad-.example"


LOCAL = st.text(string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20)
LABEL = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
ADDRESSES = st.builds(
    lambda local, labels: f"{local}@{'.'.join(labels)}", LOCAL, st.lists(LABEL, min_size=2, max_size=3)
)


@given(ADDRESSES)
def test_normalising_is_idempotent_and_ignores_case(address):
    stored = email_normalise(address)
    assert email_normalise(stored) == stored
    assert email_normalise(address.upper()) == stored == email_canonical(address)


@given(
    ADDRESSES,
    st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\u202e", "\u2066", "\ufeff", "\u00ad"]),
    st.data(),
)
def test_an_invisible_character_anywhere_is_refused(address, invisible, data):
    at = data.draw(st.integers(min_value=0, max_value=len(address)))
    with pytest.raises(EmailRefused) as refused:
        email_normalise(address[:at] + invisible + address[at:])
    assert refused.value.reason == "invisible"
