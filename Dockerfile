# One image for web, worker, beat and the emulator (they differ only by command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libpq5 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings python manage.py collectstatic --no-input -v 0
RUN useradd --create-home tubeindex && mkdir -p /data/media /data/emulator \
    && chown tubeindex /data/media /data/emulator
USER tubeindex
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
