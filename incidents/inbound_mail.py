"""Reading an answer by e-mail (pure: the standard library's `email` only, no Django).

What the inbound service (`incidents.inbound`) needs to know of a message: its key (the
Message-ID, or a digest of its bytes), whether a machine sent it (RFC 3834
`Auto-Submitted`, `Precedence: bulk/junk/list`, an empty Return-Path), its sender and
recipients, the new text with quoted history and signatures cut off, and its files.
Anything that cannot be read raises `Malformed`, with a reason for the log.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list"})
MAX_KEY_LENGTH = 255

# Where the new text ends: the first line that opens quoted history or a signature.
_CUT = [
    re.compile(r"^-- ?$"),  # the signature separator (RFC 3676: "-- ")
    re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Oprindelig meddelelse)\s*-{2,}$", re.I),
    re.compile(r"^_{10,}$"),  # Outlook's rule above the quoted header block
    re.compile(r"^On\b.*\bwrote:$"),
    re.compile(r"^Am\b.*\bschrieb\b.*:$"),
    re.compile(r"^Den\b.*\bskrev\b.*:$"),
]
_WROTE_ALONE = re.compile(r"^(.*\s)?(wrote|schrieb|skrev):$")  # "On ..., <a@b>" wrapped before it
_OUTLOOK_FROM = re.compile(r"^\*?(From|Von|Fra|差出人)\s*:\*?\s", re.I)
_OUTLOOK_NEXT = re.compile(r"^\*?(Sent|Date|Gesendet|Sendt|送信日時|To|An|Til)\s*:\*?\s", re.I)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|tr|h\d|li)>|<br\s*/?>", re.I)
_DROPPED = re.compile(r"<(script|style|head)\b.*?</\1>", re.I | re.S)
_HTML_QUOTE = re.compile(r"<blockquote\b.*", re.I | re.S)


class Malformed(ValueError):
    """A message the service cannot read (the reason goes to the log and the record)."""


@dataclass(frozen=True)
class File:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Answer:
    key: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    is_automatic: bool
    message_id: str


def message_parse(raw: bytes) -> EmailMessage:
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # the parser raises several kinds on broken input
        raise Malformed(f"unparseable: {error}") from None
    if not isinstance(message, EmailMessage):  # policy.default makes EmailMessage
        raise Malformed("unparseable")
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # an undecodable or malformed header
        return ""
    return str(value or "").strip()


def message_key(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID, or a stable digest of the bytes for a message without one."""
    message_id = _header(message, "Message-ID")
    if message_id and len(message_id) <= MAX_KEY_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def is_automatic(message: EmailMessage) -> bool:
    """An auto-responder, a list or bulk mail, or a bounce: never answered."""
    if _header(message, "Auto-Submitted").lower() not in ("", "no"):
        return True
    if _header(message, "Precedence").lower() in AUTOMATIC_PRECEDENCE:
        return True
    if "Return-Path" in message and parseaddr(_header(message, "Return-Path"))[1] == "":
        return True
    return bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))


def answer_read(raw: bytes) -> tuple[EmailMessage, Answer]:
    message = message_parse(raw)
    recipients = []
    for name in RECIPIENT_HEADERS:
        try:
            values = [str(v) for v in message.get_all(name) or ()]
        except Exception:  # an undecodable header names nobody
            values = []
        recipients += [address for _, address in getaddresses(values) if address]
    return message, Answer(
        key=message_key(message, raw),
        sender=parseaddr(_header(message, "From"))[1],
        recipients=tuple(recipients),
        subject=_header(message, "Subject"),
        is_automatic=is_automatic(message),
        message_id=_header(message, "Message-ID"),
    )


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError) as error:
        raise Malformed(f"undecodable {part.get_content_type()} part: {error}") from None
    if not isinstance(content, str):
        raise Malformed(f"{part.get_content_type()} part is not text")
    return content


def html_to_text(markup: str) -> str:
    """The text of an HTML-only answer, without the quoted history's blockquote."""
    markup = _HTML_QUOTE.sub("", _DROPPED.sub("", markup))
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", markup)))


def body_text(message: EmailMessage) -> str:
    """The new text of the answer: the plain part (or the HTML part's text), quoted history
    and signatures cut off. Raises `Malformed` when there is no readable text part."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise Malformed("no text part")
    text = _content(part)
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return strip_quoted(text)


def strip_quoted(text: str) -> str:
    """The lines before the first quote header, signature or forwarded block, without the
    lines quoted with ">" and the blank lines around."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        bare = line.strip()
        following = [other.strip() for other in lines[index + 1 : index + 4] if other.strip()]
        if any(pattern.match(bare) for pattern in _CUT):
            break
        if bare.startswith("On ") and following and _WROTE_ALONE.match(following[0]):
            break
        if _OUTLOOK_FROM.match(bare) and following and _OUTLOOK_NEXT.match(following[0]):
            break
        if bare.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def files_of(message: EmailMessage) -> list[File]:
    """The attached files: parts marked as attachments, and named inline parts that the
    HTML does not show in place (a signature's logo has a Content-ID and is left out)."""
    files = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        disposition = part.get_content_disposition()
        if not name or disposition not in ("attachment", "inline"):
            continue
        if disposition == "inline" and part.get("Content-ID"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise Malformed(f"undecodable attachment {name!r}")
        files.append(File(name=name, content_type=part.get_content_type(), content=payload))
    return files
