"""Who may use the API: personal tokens, the site's roles, and a request rate per token.

Reading needs what browsing the site needs (`access.may_browse`: a Viewer or above, or anyone in
public read-only mode). Writing needs the model permission the admin asks for: Editors add and
change records, only Administrators delete them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from ..access import may_browse
from ..models import ApiToken


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token trk_…` with a personal token (`ApiToken`), looked up by its digest."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: it was revoked, has expired or never existed.")
            )
        token.note_use()
        return token.user, token


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal token made on the token page, given as `Token trk_…`.",
        }


class RoleAccess(permissions.DjangoModelPermissions):
    """Reading as browsing the site; writing with the admin's add, change and delete permissions."""

    authenticated_users_only = False

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return may_browse(request.user)
        if not request.user.is_authenticated:
            return False
        return super().has_permission(request, view)


class PerTokenThrottle(throttling.SimpleRateThrottle):
    """API_THROTTLE_RATE requests per token (per user for a browser session, per address otherwise)."""

    scope = "token"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
