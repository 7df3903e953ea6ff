"""django-axes under a name the admin shows in the reader's language (axes gives its app none).

A module of its own: with a second AppConfig in `apps.py`, Django would no longer choose
AgreementsConfig for the app by itself."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SignInAttemptsConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts")
