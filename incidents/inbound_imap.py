"""Reading the inbound mailbox over IMAP (`INBOUND_IMAP_URL`), the standard library's imaplib.

Each unread message is fetched without marking it read (`BODY.PEEK[]`), handed to
`incidents.inbound.inbound_message_process` (which commits its reply, bounce or record),
and only then flagged `\\Seen`. A poller that dies in between leaves it unread; the next
poll reads it again and the message's recorded key makes that a no-op. A message larger
than `INBOUND_MAX_BYTES` is read by its headers only and skipped. One message that fails
is logged and left for the next poll; the others go on.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from incidents.inbound import inbound_message_process

logger = logging.getLogger(__name__)
BATCH = 100  # messages one poll reads at most; the rest wait for the next one
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    is_tls: bool


@dataclass
class PollResult:
    outcomes: list[str] = field(default_factory=list)
    failed: int = 0


def mailbox_from_url(url: str) -> Mailbox:
    """imap://user:pass@host:143/INBOX or imaps://user:pass@host:993/INBOX (folder INBOX
    when none is named; user and password %-quoted)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or parts.username is None:
        raise ValueError("INBOUND_IMAP_URL must be imap://user:pass@host[:port][/folder] or imaps://...")
    is_tls = parts.scheme == "imaps"
    return Mailbox(
        host=parts.hostname,
        port=parts.port or (993 if is_tls else 143),
        user=urllib.parse.unquote(parts.username),
        password=urllib.parse.unquote(parts.password or ""),
        folder=urllib.parse.unquote(parts.path.lstrip("/")) or "INBOX",
        is_tls=is_tls,
    )


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.EMAIL_TIMEOUT
    if mailbox.is_tls:
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=timeout)
    else:
        connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    connection.login(mailbox.user, mailbox.password)
    status, _ = connection.select(_quoted(mailbox.folder))
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot open folder {mailbox.folder!r}")
    return connection


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetched(data: list) -> bytes:
    """The literal of a FETCH answer (imaplib gives a (prefix, bytes) tuple for it)."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise imaplib.IMAP4.error("the server sent no message")


def _size(connection: imaplib.IMAP4, uid: bytes) -> int:
    status, data = connection.uid("FETCH", uid, "(RFC822.SIZE)")
    found = _SIZE.search(b" ".join(d for d in data if isinstance(d, bytes))) if status == "OK" else None
    if found is None:
        raise imaplib.IMAP4.error(f"no size for message {uid!r}")
    return int(found[1])


def message_mark_read(connection: imaplib.IMAP4, uid: bytes) -> None:
    """Flag the message as read: after its outcome is committed, never before."""
    status, _ = connection.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot flag message {uid!r}")


def _one(connection: imaplib.IMAP4, uid: bytes) -> str:
    is_truncated = _size(connection, uid) > settings.INBOUND_MAX_BYTES
    what = "(BODY.PEEK[HEADER])" if is_truncated else "(BODY.PEEK[])"
    status, data = connection.uid("FETCH", uid, what)
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot fetch message {uid!r}")
    outcome = inbound_message_process(raw=_fetched(data), now=timezone.now(), is_truncated=is_truncated)
    message_mark_read(connection, uid)
    return outcome


def inbound_poll(*, url: str | None = None) -> PollResult:
    """Read the unread messages of the inbound mailbox, each once (see the module's text)."""
    url = settings.INBOUND_IMAP_URL if url is None else url
    result = PollResult()
    if not url:
        return result
    mailbox = mailbox_from_url(url)
    connection = _connect(mailbox)
    try:
        status, data = connection.uid("SEARCH", None, "UNSEEN")
        uids = data[0].split()[:BATCH] if status == "OK" and data and data[0] else []
        for uid in uids:
            try:
                outcome = _one(connection, uid)
            except (imaplib.IMAP4.abort, OSError):
                raise  # the connection is gone: what is left waits for the next poll
            except Exception:
                logger.exception("inbound: message %s of %s failed; left for the next poll", uid, mailbox.folder)
                result.failed += 1
                continue
            result.outcomes.append(outcome)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()
    logger.info("inbound: %s read, %s failed (%s)", len(result.outcomes), result.failed, mailbox.folder)
    return result
