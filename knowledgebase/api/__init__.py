"""The knowledge base part of the REST API (/api/v1/kb/), read only."""
