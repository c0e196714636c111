from __future__ import annotations

from pathlib import Path

import pytest

from tests.escalation.conftest import file_incident

__all__ = ["file_incident"]


@pytest.fixture(autouse=True)
def test_email_templates(settings):
    """`emails/test/hello`: a message of the outbox's own tests (tests/notify/templates)."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates
