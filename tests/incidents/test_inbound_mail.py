"""Reading an answer by e-mail: what is new text, what is history, what is a file, what is a machine."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from incidents.inbound_mail import Malformed, answer_read, body_text, files_of, is_automatic, strip_quoted
from notify.rendering import email_render


@pytest.mark.parametrize(
    "text",
    [
        "Works now.\n\nOn Mon, 23 Nov 2026 at 16:00, Support <s@x.example> wrote:\n> old\n",
        "Works now.\n\nOn Mon, 23 Nov 2026 at 16:00, Contoso Support\n<s@x.example> wrote:\n> old\n",
        "Works now.\n> quoted in between\n\n-- \nCarl Contact\nFabrikam\n",
        "Works now.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nold\n",
        "Works now.\n\nFrom: Contoso Support <s@x.example>\nSent: Monday, 23 November 2026 16:00\nTo: Carl\n\nold\n",
        "Works now.\n\n________________________________\nFrom: Contoso Support\nSent: Monday\n",
        "Works now.\n\nAm Mo., 23. Nov. 2026 um 16:00 Uhr schrieb Support <s@x.example>:\n> alt\n",
        "Works now.\n\nDen 23. nov. 2026 kl. 16.00 skrev Support <s@x.example>:\n> gammel\n",
        "Works now.\r\n\r\nOn Mon, 23 Nov 2026, Support <s@x.example> wrote:\r\n> old\r\n",
    ],
)
def test_quoted_history_and_signatures_are_cut_off(text):
    assert strip_quoted(text) == "Works now."


def test_a_line_that_only_mentions_from_is_kept():
    assert (
        strip_quoted("From: the log, line 3 fails.\nThen it stops.") == "From: the log, line 3 fails.\nThen it stops."
    )


def message(**headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "carl@fabrikam.example"
    msg["To"] = "support@inbound.example"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_an_html_only_answer_is_read_without_its_quoted_blockquote():
    msg = message()
    msg.set_content("<p>Works&nbsp;now.</p><blockquote>old</blockquote>", subtype="html")
    assert body_text(msg).replace("\xa0", " ") == "Works now."


def test_a_message_without_a_text_part_is_malformed():
    msg = message()
    msg.set_content(b"\x00", maintype="application", subtype="octet-stream")
    with pytest.raises(Malformed, match="no text part"):
        body_text(msg)


def test_a_signatures_inline_logo_is_no_attachment_but_a_named_file_is():
    msg = message()
    msg.set_content("See the log.")
    msg.add_attachment(b"log", maintype="text", subtype="plain", filename="run.log")
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="image001.png", disposition="inline")
    msg.get_payload()[-1]["Content-ID"] = "<image001@x>"
    assert [f.name for f in files_of(msg)] == ["run.log"]


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ({}, False),
        ({"Auto_Submitted": "no"}, False),
        ({"Auto_Submitted": "auto-generated"}, True),
        ({"Precedence": "junk"}, True),
        ({"Precedence": "first-class"}, False),
        ({"Return_Path": "<>"}, True),
        ({"Return_Path": "<carl@fabrikam.example>"}, False),
    ],
)
def test_machines_are_recognised(headers, automatic):
    assert is_automatic(message(**headers)) is automatic


def test_the_key_is_the_message_id_or_a_digest_of_the_bytes():
    assert answer_read(message(Message_ID="<a@b>").as_bytes())[1].key == "<a@b>"
    raw = message().as_bytes()
    assert answer_read(raw)[1].key == answer_read(raw)[1].key
    assert answer_read(raw)[1].key.startswith("sha256:")


@pytest.mark.parametrize(
    ("language", "words"), [("en", "reopen it"), ("de", "wieder öffnen"), ("da", "genåbne"), ("ja", "再オープン")]
)
def test_the_bounce_is_written_in_the_senders_language(language, words):
    rendered = email_render(
        template="emails/incidents/inbound_bounce",
        context={"reason": "closed", "subject": "Re: pick list", "url": "https://x", "VENDOR_NAME": "Contoso"},
        language=language,
        time_zone="UTC",
    )
    assert words in rendered.text
    assert "Re: pick list" in rendered.text
    assert words in rendered.html
