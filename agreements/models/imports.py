"""An import too large to run while its editor waits: confirmed in the admin, written by a worker
(agreements.tasks.run_import), followed on its own page (agreements.importing.import_job).

The job writes its file in one transaction, as the admin does, and is marked finished in that same
transaction: a job that says "finished" has written every row, any other has written none. Its
progress is counted outside the transaction, in the "progress" cache, which other processes can
read while the transaction is open (a row written inside it they could not, and SQLite would keep
them waiting); a count that is missing (expired, or a cache that is not shared) is shown as
"working…", never as an error.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.cache import caches
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# How long a job may go without progress before its page says that it has not moved.
QUIET = datetime.timedelta(minutes=5)
# How often, in rows, a running job counts its progress.
PROGRESS_EVERY = 50


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """A user's own jobs; a superuser's, everyone's."""
        return self if user.is_superuser else self.filter(user=user)

    def lost(self, now: datetime.datetime | None = None) -> ImportJobQuerySet:
        """Running jobs started longer ago than a task may run (CELERY_TASK_TIME_LIMIT): their
        worker died or was stopped, and since a job is marked finished with its rows, none of
        theirs was written."""
        now = now or timezone.now()
        limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + QUIET
        return self.filter(status=ImportJob.Status.RUNNING, started__lt=now - limit)

    def fail_lost(self) -> int:
        """Mark the lost jobs failed; the number marked."""
        return self.lost().update(
            status=ImportJob.Status.FAILED,
            finished=timezone.now(),
            error=_(
                "The worker running this import stopped before it ended. Nothing was written; import the file again."
            ),
        )


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed, nothing written")

    WORKBOOK = "workbook"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="import_jobs",
    )
    target = models.CharField(
        _("imports"), max_length=40, help_text=_("The record type (its model's name), or “workbook”.")
    )
    stored_file = models.CharField(_("stored upload"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_format = models.CharField(_("format"), max_length=20)
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    # The language of the editor who started it: its problems are written in it.
    language = models.CharField(_("language"), max_length=10, default="en")
    create_missing = models.BooleanField(_("creates the institutions and people it names"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), default=0)
    # A list of {"records", "new", "changed", "unchanged"}, a sheet each (one for a single file).
    summary = models.JSONField(_("outcome"), default=list, blank=True)
    # A list of {"sheet", "row", "column", "value", "reason"}, as the import page lists them.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("why nothing was written"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                # ORs rather than IN: PostgreSQL writes an IN over text back differently after a dump and restore.
                condition=Q(status="queued") | Q(status="running") | Q(status="finished") | Q(status="failed"),
                name="import_job_status_known",
            ),
            models.CheckConstraint(condition=Q(rows_done__lte=models.F("rows_total")), name="import_job_rows_done"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name or self.stored_file} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("import-job", args=[self.pk])

    @property
    def task_id(self) -> str:
        """The Celery task's id: one per job, so that whoever waits for the job can find its task."""
        return f"import-job-{self.pk}"

    @property
    def is_workbook(self) -> bool:
        return self.target == self.WORKBOOK

    @property
    def model(self) -> type[models.Model] | None:
        from django.apps import apps

        return None if self.is_workbook else apps.get_model("agreements", self.target)

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    # ---------------------------------------------------------------- its run

    def claim(self) -> bool:
        """Start (or, after its worker died, start again) a job that has not ended; whether it
        was one. Its count starts again from nought."""
        self.started, self.rows_done = timezone.now(), 0
        claimed = ImportJob.objects.filter(pk=self.pk, status__in=[self.Status.QUEUED, self.Status.RUNNING]).update(
            status=self.Status.RUNNING, started=self.started, rows_done=0
        )
        if claimed:
            self.status = self.Status.RUNNING
        return bool(claimed)

    def end(self, status: str, **outcome) -> bool:
        """End the running job as `status`, with `outcome` (summary, problems, error, rows_done);
        False if it was no longer running (another run of its task ended it). Marked finished in
        the transaction that wrote its rows, a job finishes with them or not at all."""
        ended = ImportJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            status=status, finished=timezone.now(), **outcome
        )
        return bool(ended)

    # ---------------------------------------------------------------- progress, outside the transaction

    @property
    def progress_key(self) -> str:
        return f"import-job:{self.pk}:progress"

    def note_progress(self, rows_done: int) -> None:
        """Count `rows_done` rows done, where other processes can see it at once. A cache that
        cannot be reached only leaves the page without a count: the import goes on."""
        try:
            caches["progress"].set(self.progress_key, (rows_done, timezone.now()), settings.CELERY_TASK_TIME_LIMIT * 2)
        except Exception:  # whatever the cache's client raises
            logger.warning("The progress of import job %s could not be counted", self.pk, exc_info=True)

    def progress(self) -> tuple[int | None, datetime.datetime | None]:
        """The rows done and when they were counted, as far as is known: the stored count for a
        job that has ended; for a running one, the count in the progress cache, or (None, None)."""
        if not self.in_progress:
            return self.rows_done, self.finished
        try:
            noted = caches["progress"].get(self.progress_key)
        except Exception:  # whatever the cache's client raises
            logger.warning("The progress of import job %s could not be read", self.pk, exc_info=True)
            noted = None
        return noted if noted else (None, None)

    def not_moved_since(self, now: datetime.datetime | None = None) -> datetime.datetime | None:
        """When this job last moved, if that is longer ago than QUIET: waiting that long for a
        worker, or running with no progress counted that long. None if it moved since, or ended."""
        now = now or timezone.now()
        if self.status == self.Status.QUEUED:
            moved = self.created
        elif self.status == self.Status.RUNNING:
            moved = self.progress()[1]
            if moved is None:  # no count to go by (a cache the worker does not share)
                return None
        else:
            return None
        return moved if now - moved > QUIET else None
