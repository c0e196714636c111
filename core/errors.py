"""The one base of the domain's errors.

A service raises a `DomainError` subclass when a request breaks a rule; the message is
for the person. `code` (stable, machine-readable) and `status` (the HTTP status) say how
the API answers; `field` names the request field the error is about, if any. The DRF
shell (`portal.api.exceptions`) maps every one of them the same way, importing no app.
"""

from __future__ import annotations


class DomainError(Exception):
    code: str = "not_allowed"
    status: int = 400
    field: str | None = None
