# The production image: one image for web (daphne), the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=hothour.settings.production
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings that import; these placeholders never reach a running container.
RUN SECRET_KEY=build-only-placeholder-build-only-placeholder-build-only DATABASE_URL=sqlite:///tmp/x \
    REDIS_URL=redis://localhost ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v0

RUN useradd --create-home hothour
USER hothour
EXPOSE 8000
CMD ["gunicorn", "hothour.wsgi:application", "-b", "0.0.0.0:8000", "-k", "gthread", "-w", "4", "--threads", "4"]
