"""The Celery application: the digest and reminder jobs (agreements/tasks.py), configured from the
settings whose names start with CELERY_. `make worker` runs a worker and the scheduler."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperation.settings")

app = Celery("cooperation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
