"""Django's PostgreSQL backend with a deadline on every wait for the server (base.py)."""
