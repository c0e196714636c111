"""Admin for the SLA policy and the engineers' queue, split by area."""

from incidents import admin_queue, admin_sla  # noqa: F401
