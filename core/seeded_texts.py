"""The SLA policy's texts as the seed migration wrote them (`sla/migrations/0002_seed_defaults.py`), marked
for translation so that `make messages` extracts them.

A row shows its text translated while it is the seeded one; a text that a manager edited in
the admin has no translation and is shown as written (`translated`).
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

SEEDED_TEXTS = (
    gettext_noop("Online support during business hours, included with the add-on subscription."),
    gettext_noop("Faster response and a named service delivery manager."),
    gettext_noop("Fastest response, 24/7 for Severity A and B, proactive reviews."),
    gettext_noop("Critical"),
    gettext_noop(
        "Critical business impact: the customer's business has significant loss or degradation of services, e.g. posting or warehouse shipping has stopped in production, and needs immediate attention."
    ),
    gettext_noop(
        "The customer commits the resources to work on the problem around the clock and stays reachable by phone at all times while the incident is Severity A; gives access to the environment and the people who can change it."
    ),
    gettext_noop("Moderate"),
    gettext_noop(
        "Moderate business impact: the customer's business has moderate loss or degradation of services, but work can reasonably continue in an impaired manner."
    ),
    gettext_noop(
        "The customer provides resources and stays reachable during business hours while the incident is open."
    ),
    gettext_noop("Minimum"),
    gettext_noop(
        "Minimum business impact: the business is substantially functioning with minor or no impediments to services; how-to and advisory questions."
    ),
    gettext_noop("The customer provides accurate contact information and answers within two business days."),
    gettext_noop("North America"),
    gettext_noop("English"),
    gettext_noop("Monday–Friday 06:00–18:00 Pacific Time"),
    gettext_noop("Spanish"),
    gettext_noop("Monday–Friday 08:00–17:00 Pacific Time"),
    gettext_noop("Japan"),
    gettext_noop("Japanese"),
    gettext_noop("Monday–Friday 09:00–17:30 Japan Standard Time"),
    gettext_noop("Germany"),
    gettext_noop("German"),
    gettext_noop("Monday–Friday 09:00–17:00 Central European Time"),
    gettext_noop("United Kingdom"),
    gettext_noop("Monday–Friday 09:00–17:00 UK time"),
    gettext_noop("Denmark"),
    gettext_noop("Danish"),
)

# The escalation policy's seeded step names (escalation/migrations/0003_seed_default_policies)
# and the support team's groups (incidents/migrations/0005_support_roles).
SEEDED_ESCALATION_TEXTS = (
    gettext_noop("Warning"),
    gettext_noop("Breach"),
    gettext_noop("Level 2"),
    gettext_noop("Level 3"),
    gettext_noop("Support engineers"),
    gettext_noop("Support leads"),
    gettext_noop("Support managers"),
)


def translated(text: str) -> str:
    """`text` in the active language if it is one of the seeded texts, else as it is."""
    return gettext(text) if text else text
