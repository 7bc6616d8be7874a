# The production image: gunicorn serves config.wsgi; the same image runs the Celery worker and beat
# (docker-compose.yml). Python 3.11, dependencies from pyproject.toml (no dev or embedded extras).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

# WeasyPrint (the review pack PDFs, docs/product/review-pack.md) needs Pango, HarfBuzz's subsetter and a font.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .

# Static files are collected at build time (whitenoise serves them). The build needs placeholder
# values for the variables production settings require; they are never used at run time.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@build/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput

# The code stays owned by root and read-only to the app; it runs as an unprivileged user.
RUN useradd --create-home --uid 10001 --user-group app
USER app
EXPOSE 8000
# Workers, timeouts and logging: config/gunicorn.conf.py (docs/operations.md).
CMD ["gunicorn", "--config=config/gunicorn.conf.py", "config.wsgi:application"]
