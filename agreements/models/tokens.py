"""Personal API tokens: how a script, rather than a browser, signs in to /api/v1/.

A token is shown once, when it is made; only its SHA-256 digest is stored, so a copy of the
database does not hold a key that works. Like the follows, a token is a plain model, not a tracker
record: using one leaves the cached figures alone.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A key is "trk_" and 40 URL-safe characters; the prefix makes a leaked one easy to recognise.
KEY_PREFIX = "trk_"
# How often the last use of a token is written down: not on every request.
LAST_USE_PRECISION = datetime.timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user) -> ApiTokenQuerySet:
        return self.filter(user=user).order_by("-created", "-pk")

    def usable(self, now: datetime.datetime | None = None) -> ApiTokenQuerySet:
        """Tokens of active users, not expired."""
        now = now or timezone.now()
        return self.filter(user__is_active=True).filter(models.Q(expires__isnull=True) | models.Q(expires__gt=now))

    def find(self, key: str) -> ApiToken | None:
        """The usable token whose key is `key`, with its user; None if there is none."""
        if not key.startswith(KEY_PREFIX):
            return None
        return self.usable().select_related("user").filter(digest=digest(key)).first()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, such as a script's name."))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    # The first characters of the key, to tell tokens apart in lists.
    prefix = models.CharField(_("begins with"), max_length=12, editable=False)
    created = models.DateTimeField(_("made"), default=timezone.now, editable=False)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str, expires: datetime.datetime | None = None) -> tuple[ApiToken, str]:
        """A new token for `user` and its key, which is not stored and cannot be read again."""
        token = cls(user=user, name=name, expires=expires)
        key = token.set_new_key()
        token.save()
        return token, key

    def set_new_key(self) -> str:
        """Give the (unsaved) token a new key; the key, which only its digest keeps."""
        key = KEY_PREFIX + secrets.token_urlsafe(30)
        self.digest, self.prefix = digest(key), key[:8]
        return key

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    def note_use(self) -> None:
        """Write down that the token was just used, at most once a minute (one update)."""
        now = timezone.now()
        if self.last_used is None or now - self.last_used >= LAST_USE_PRECISION:
            type(self).objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now
