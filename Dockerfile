# The production image: one image for api (gunicorn), ws (daphne), the Celery workers and beat.
# Base image pinned to the exact Python the lock was made with and the Debian release. To pin the
# bytes too, append the digest the first build resolved: PYTHON_IMAGE=python:3.11.7-slim-bookworm@sha256:...
# (`docker buildx imagetools inspect python:3.11.7-slim-bookworm`); no daemon here could read it.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# --- build: wheels installed from the hashed lock into a virtualenv --------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.lock .
RUN /venv/bin/pip install --require-hashes --no-deps -r requirements.lock

# --- frontend: the frontend branch adds a node stage here that builds frontend/dist; the proxy
# serves it from the `spa` volume the app stage fills (see docker-compose.yml).

# --- app: the virtualenv and the code, collected static files, no compilers -------------------
FROM ${PYTHON_IMAGE} AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=hothour.settings.production \
    PROMETHEUS_MULTIPROC_DIR=/run/hothour-metrics
WORKDIR /app
COPY --from=build /venv /venv
COPY . .
# collectstatic needs settings that import; these placeholders never reach a running container.
RUN SECRET_KEY=build-only-placeholder-build-only-placeholder-build-only DATABASE_URL=sqlite:///tmp/x \
    REDIS_URL=redis://localhost ALLOWED_HOSTS=localhost PROMETHEUS_MULTIPROC_DIR= \
    python manage.py collectstatic --noinput -v0
RUN useradd --create-home hothour && mkdir -p /run/hothour-metrics && chown hothour /run/hothour-metrics
USER hothour
EXPOSE 8000 8001
# The api's probe; compose gives ws, the workers and beat their own.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "deploy/healthcheck.py", "http://127.0.0.1:8000/api/v1/health/"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "hothour.wsgi:application"]
