"""Background jobs (Celery): the digests and the reminders, on the schedule in settings
(CELERY_BEAT_SCHEDULE), and the imports too large to write while an editor waits. Each is
idempotent (agreements.alerts, agreements.importing.run_job), so a retry or a second worker never
sends an e-mail twice or writes a file twice; a mail server that cannot be reached is retried with
a growing delay."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import alerts

RETRIED = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 6,
}


@shared_task(**RETRIED)
def send_digests(frequency: str) -> dict[str, int]:
    """The daily or weekly digests due now; the number of follows by outcome."""
    return alerts.send_digests(frequency)


@shared_task(**RETRIED)
def send_reminders() -> dict[str, int]:
    """Reminders of commitments that fall due within 30 or 7 days, or are overdue."""
    return alerts.send_reminders()


@shared_task
def run_import(job: int) -> str:
    """The import job `job` (agreements.models.ImportJob), unless it has ended; its status."""
    from .importing import run_job

    return run_job(job)
