"""Answers by e-mail, read from a real IMAP server (Dovecot on 127.0.0.1): a reply lands
once as a comment by its sender; anyone else gets one bounce; machines get nothing."""

from __future__ import annotations

import imaplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from incidents import inbound_imap
from incidents.inbound_imap import inbound_poll, mailbox_from_url
from incidents.models import Attachment, Comment, InboundMessage, InboundOutcome, IncidentStatus, Visibility
from incidents.reply_addresses import reply_address
from incidents.services import NewIncident, incident_create, incident_transition
from notify.models import Delivery
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db

QUOTED = """Thanks, the new build fixes the bin codes.

Carl

On Mon, 23 Nov 2026 at 16:00, Contoso Support <support@inbound.example> wrote:
> We shipped a fix.
> Please try build 14.2.
"""


@pytest.fixture(autouse=True)
def _inbound(settings):
    settings.INBOUND_EMAIL_ADDRESS = "support@inbound.example"


@pytest.fixture
def incident(organization, customer):
    return incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Pick list prints blank bin codes", description="Details", severity=severity("B")),
        now=NOW,
    ).incident


def reply(
    incident, user, *, sender: str | None = None, body: str = QUOTED, files=(), message_id: str | None = "new", **extra
) -> bytes:
    message = EmailMessage()
    message["From"] = sender or f"Someone <{user.email}>"
    message["To"] = reply_address(incident_id=incident.pk, user_id=user.pk)
    message["Subject"] = f"Re: [{incident.number}] {incident.title}"
    if message_id:
        message["Message-ID"] = make_msgid(domain="mail.example") if message_id == "new" else message_id
    for name, value in extra.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for name, content in files:
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def test_a_reply_lands_on_the_incident_as_a_comment_by_its_sender_without_the_quoted_text(
    imap_mailbox, incident, customer
):
    imap_mailbox.append(reply(incident, customer))

    assert inbound_poll().outcomes == [InboundOutcome.COMMENTED]

    comment = Comment.objects.get(incident=incident)
    assert comment.author == customer
    assert comment.visibility == Visibility.PUBLIC
    assert comment.body == "Thanks, the new build fixes the bin codes.\n\nCarl"
    assert imap_mailbox.unseen() == 0
    assert InboundMessage.objects.get().comment == comment


def test_an_engineers_reply_is_a_public_reply_by_the_engineer(imap_mailbox, incident, engineer):
    engineer.email = "erin@contoso.example"
    engineer.save()
    imap_mailbox.append(reply(incident, engineer, body="We look at it now.\n-- \nErin, Contoso Support"))

    inbound_poll()

    comment = Comment.objects.get(incident=incident)
    assert (comment.author, comment.body, comment.is_staff_author) == (engineer, "We look at it now.", True)
    assert comment.visibility == Visibility.PUBLIC
    incident.refresh_from_db()
    assert incident.first_response_at is not None


def test_an_attachment_is_kept_with_the_comment(imap_mailbox, incident, customer):
    imap_mailbox.append(reply(incident, customer, files=[("picklist.log", b"bin code: <blank>\n")]))

    inbound_poll()

    attachment = Attachment.objects.get(incident=incident)
    assert attachment.comment == Comment.objects.get(incident=incident)
    assert attachment.original_name == "picklist.log"
    assert attachment.file.read() == b"bin code: <blank>\n"


def test_a_file_of_a_refused_type_bounces_the_message_and_adds_nothing(imap_mailbox, incident, customer):
    imap_mailbox.append(reply(incident, customer, files=[("setup.exe", b"MZ")]))

    assert inbound_poll().outcomes == [InboundOutcome.BOUNCED]

    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()
    assert Delivery.objects.get().context["reason"] == "attachments"


def test_a_second_poll_and_the_same_message_twice_add_nothing(imap_mailbox, incident, customer):
    raw = reply(incident, customer, message_id="<same@mail.example>")
    imap_mailbox.append(raw)
    inbound_poll()
    assert inbound_poll().outcomes == []

    imap_mailbox.append(raw)  # delivered twice
    assert inbound_poll().outcomes == ["duplicate"]
    assert Comment.objects.count() == 1
    assert imap_mailbox.unseen() == 0


def test_a_message_without_message_id_is_known_by_its_bytes(imap_mailbox, incident, customer):
    raw = reply(incident, customer, message_id=None)
    imap_mailbox.append(raw)
    imap_mailbox.append(raw)

    assert inbound_poll().outcomes == [InboundOutcome.COMMENTED, "duplicate"]
    assert Comment.objects.count() == 1
    assert InboundMessage.objects.get().message_key.startswith("sha256:")


def test_a_poller_killed_after_the_commit_and_before_the_flag_loses_and_doubles_nothing(
    imap_mailbox, incident, customer, monkeypatch
):
    imap_mailbox.append(reply(incident, customer))
    imap_mailbox.append(reply(incident, customer, body="And a second thought."))

    def killed(connection, uid):
        raise imaplib.IMAP4.abort("the worker died here")

    monkeypatch.setattr(inbound_imap, "message_mark_read", killed)
    with pytest.raises(imaplib.IMAP4.abort):
        inbound_poll()
    assert Comment.objects.count() == 1  # committed, not flagged
    assert imap_mailbox.unseen() == 2

    monkeypatch.undo()
    assert inbound_poll().outcomes == ["duplicate", InboundOutcome.COMMENTED]
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "And a second thought.",
        "Thanks, the new build fixes the bin codes.\n\nCarl",
    ]
    assert imap_mailbox.unseen() == 0


def test_a_poller_that_dies_before_the_commit_leaves_the_message_for_the_next_poll(
    imap_mailbox, incident, customer, monkeypatch
):
    imap_mailbox.append(reply(incident, customer))

    def dies(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(inbound_imap, "inbound_message_process", dies)
    assert inbound_poll().failed == 1
    assert imap_mailbox.unseen() == 1

    monkeypatch.undo()
    assert inbound_poll().outcomes == [InboundOutcome.COMMENTED]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("stranger", ["someone@elsewhere.example", "vera"])
def test_a_stranger_or_a_reader_gets_one_bounce_and_no_comment(imap_mailbox, incident, customer, viewer, stranger):
    if stranger == "vera":
        raw = reply(incident, viewer)  # her own address, but a viewer writes nothing
        sender = viewer.email
    else:
        raw = reply(incident, customer, sender=stranger)  # the customer's reply address, not her address
        sender = stranger
    imap_mailbox.append(raw)
    imap_mailbox.append(raw)

    assert inbound_poll().outcomes == [InboundOutcome.BOUNCED, "duplicate"]

    assert not Comment.objects.exists()
    bounce = Delivery.objects.get()
    assert bounce.to == sender
    assert bounce.template == "emails/incidents/inbound_bounce"
    assert bounce.headers["Auto-Submitted"] == "auto-replied"


def test_an_address_that_does_not_parse_and_a_closed_incident_are_bounced(imap_mailbox, incident, customer):
    forged = reply(incident, customer).replace(b"+r-", b"+r-9")
    imap_mailbox.append(forged)
    incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=None, now=NOW)
    imap_mailbox.append(reply(incident, customer))

    assert inbound_poll().outcomes == [InboundOutcome.BOUNCED, InboundOutcome.BOUNCED]

    assert not Comment.objects.exists()
    assert sorted(d.context["reason"] for d in Delivery.objects.filter(template__contains="bounce")) == [
        "closed",
        "no_incident",
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Return_Path": "<>"},
    ],
)
def test_an_auto_reply_gets_nothing(imap_mailbox, incident, customer, headers):
    imap_mailbox.append(reply(incident, customer, sender="stranger@elsewhere.example", body="I am away.", **headers))

    assert inbound_poll().outcomes == [InboundOutcome.IGNORED]

    assert not Comment.objects.exists()
    assert not Delivery.objects.exists()
    assert imap_mailbox.unseen() == 0


def test_auto_submitted_no_is_a_person(imap_mailbox, incident, customer):
    imap_mailbox.append(reply(incident, customer, Auto_Submitted="no"))
    assert inbound_poll().outcomes == [InboundOutcome.COMMENTED]


def test_a_malformed_message_is_skipped_and_the_next_one_still_processed(imap_mailbox, incident, customer, settings):
    no_text = EmailMessage()
    no_text["From"] = customer.email
    no_text["To"] = reply_address(incident_id=incident.pk, user_id=customer.pk)
    no_text["Message-ID"] = "<no-text@mail.example>"
    no_text.set_content(b"\x00\x01", maintype="application", subtype="octet-stream")
    bad_charset = reply(incident, customer, body="Grüße").replace(b'charset="utf-8"', b'charset="x-unknown"')
    imap_mailbox.append(no_text.as_bytes())
    imap_mailbox.append(bad_charset)
    settings.INBOUND_MAX_BYTES = 20_000
    imap_mailbox.append(reply(incident, customer, files=[("big.log", b"x" * 30_000)]))
    imap_mailbox.append(reply(incident, customer))

    outcomes = inbound_poll().outcomes

    assert outcomes == [InboundOutcome.SKIPPED] * 3 + [InboundOutcome.COMMENTED]
    assert Comment.objects.count() == 1
    assert InboundMessage.objects.filter(outcome=InboundOutcome.SKIPPED).count() == 3
    assert imap_mailbox.unseen() == 0


def test_polling_is_off_without_a_mailbox(settings):
    settings.INBOUND_IMAP_URL = ""
    assert inbound_poll().outcomes == []


def test_the_mailbox_url_names_server_account_and_folder():
    box = mailbox_from_url("imaps://support%40contoso.example:p%2Fss@imap.example/Support%20Replies")
    assert (box.host, box.port, box.user, box.password, box.folder, box.is_tls) == (
        "imap.example",
        993,
        "support@contoso.example",
        "p/ss",
        "Support Replies",
        True,
    )
    assert mailbox_from_url("imap://u:p@127.0.0.1:1143").folder == "INBOX"
    with pytest.raises(ValueError, match="INBOUND_IMAP_URL"):
        mailbox_from_url("pop3://u:p@host")


def test_a_message_with_no_address_to_answer_is_skipped_without_a_bounce(imap_mailbox, incident, customer):
    imap_mailbox.append(reply(incident, customer, sender="undisclosed-sender"))

    assert inbound_poll().outcomes == [InboundOutcome.SKIPPED]
    assert not Delivery.objects.exists()
    assert not Comment.objects.exists()


def test_a_poller_that_records_the_message_second_adds_and_sends_nothing(incident, customer, monkeypatch):
    """Two pollers read the same message at once: both find it new, the unique key lets one win."""
    from incidents import inbound

    raw = reply(incident, customer)
    monkeypatch.setattr(inbound, "_seen", lambda key: False)

    assert inbound.inbound_message_process(raw=raw, now=NOW) == InboundOutcome.COMMENTED
    assert inbound.inbound_message_process(raw=raw, now=NOW) == "duplicate"
    assert Comment.objects.count() == 1
    assert InboundMessage.objects.count() == 1
