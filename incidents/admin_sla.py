"""Admin for the SLA policy: plans, severities, response targets, regions."""
