"""Celery app: Redis broker when REDIS_URL is set; otherwise tasks run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liudong.settings")

app = Celery("liudong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
