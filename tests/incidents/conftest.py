"""Fixtures of the incident tests: a real IMAP server for the answers by e-mail."""

from tests.dovecot import dovecot, imap_mailbox  # noqa: F401 (fixtures)
