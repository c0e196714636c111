"""Reads for the CfMD pages from the apps below: escalation contacts, evidence records and the
knowledge base, live (`at=None`) or as they stood at a past moment (through `core.history`)."""

from __future__ import annotations

import datetime as dt

from cfmd.models import EvidenceRecord
from core.history import last_change_on, rows_as_of
from escalation.models import EscalationContact
from escalation.selectors import public_escalation_contacts
from knowledgebase.models import Article, ArticleStatus


def escalation_contacts(at: dt.datetime | None = None) -> list[EscalationContact]:
    """The public escalation contacts in display order, now or at `at`."""
    if at is None:
        return list(public_escalation_contacts())
    rows = [c for c in rows_as_of(EscalationContact, at).rows if c.is_public]
    return sorted(rows, key=lambda c: (c.display_order, c.name))


def evidence_records(at: dt.datetime | None = None) -> list[EvidenceRecord]:
    return sorted(rows_as_of(EvidenceRecord, at).rows, key=lambda r: (r.kind, -r.dated_on.toordinal(), r.title))


def published_article_count(at: dt.datetime | None = None) -> int:
    """How many knowledge base articles are published, now or at `at`."""
    if at is None:
        return Article.objects.published().count()
    return sum(1 for a in rows_as_of(Article, at).rows if a.status == ArticleStatus.PUBLISHED)


def knowledge_base_last_change_on(at: dt.datetime | None = None) -> dt.date | None:
    """The day a knowledge base article last changed (up to `at`)."""
    return last_change_on(Article, at)
