# One image for web, worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=jintan.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build-time only values: production settings refuse to import without them.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build/build REDIS_URL=redis://build \
    ALLOWED_HOSTS=build sh -c \
    "python manage.py compilemessages --ignore=.venv -v0 && python manage.py collectstatic --noinput -v0"

RUN useradd --create-home --uid 1000 jintan \
    && mkdir -p /app/media /app/var && chown -R jintan:jintan /app/media /app/var
USER jintan

EXPOSE 8000
CMD ["gunicorn", "jintan.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "32", "--timeout", "90", "--access-logfile", "-"]
