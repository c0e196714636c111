"""The lifecycle part of the REST API (/api/v1/lifecycle/), read only."""
