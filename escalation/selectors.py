from __future__ import annotations

from django.db.models import QuerySet

from escalation.models import EscalationContact


def public_escalation_contacts() -> QuerySet[EscalationContact]:
    return EscalationContact.objects.filter(is_public=True)
