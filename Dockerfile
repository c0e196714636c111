# One image for web, worker and beat; the command differs per service (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORTAL_VAR_DIR=/srv/portal/var

WORKDIR /srv/portal
RUN useradd --system --create-home --home-dir /home/portal portal \
    && apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs a key but no database or broker.
RUN DEBUG=false SECRET_KEY=build-only-key-build-only-key-build-only-key-1234567890 \
    python manage.py collectstatic --noinput \
    && mkdir -p "$PORTAL_VAR_DIR" && chown -R portal:portal "$PORTAL_VAR_DIR"

USER portal
EXPOSE 8000
# Workers, threads and preloading: gunicorn.conf.py (WEB_CONCURRENCY, WEB_THREADS).
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
