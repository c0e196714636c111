"""The REST API under /api/v1/: authentication, throttles, errors, schema and docs."""
