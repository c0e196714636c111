"""The incidents and SLA part of the REST API (/api/v1/incidents/, /api/v1/sla/)."""
