from __future__ import annotations

from tests.escalation.conftest import file_incident

__all__ = ["file_incident"]
