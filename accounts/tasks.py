"""Celery tasks of accounts: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from accounts.password_reset import password_reset_email_send
from accounts.two_factor_proof import proof_link_email_send


@shared_task(name="accounts.password_reset_send", ignore_result=True, acks_late=True, soft_time_limit=30, time_limit=45)
def password_reset_send(user_id: int, language: str | None = None) -> bool:
    """E-mail the password-reset link. Run twice, it sends a second link that works as well."""
    return password_reset_email_send(user_id=user_id, language=language)


@shared_task(
    name="accounts.two_factor_link_send", ignore_result=True, acks_late=True, soft_time_limit=30, time_limit=45
)
def two_factor_link_send(user_id: int, language: str | None = None) -> bool:
    """E-mail the one-time link that lets a person set up a new app after `otp_reset`."""
    return proof_link_email_send(user_id=user_id, language=language)
