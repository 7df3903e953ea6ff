from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreements"
    verbose_name = _("Cooperation tracker")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from . import signals
        from .models import InstitutionName, PersonName

        # On pre_save rather than in save() so fixtures (raw saves) get their bounds too.
        pre_save.connect(signals.sync_fuzzy_date_bounds, dispatch_uid="sync_fuzzy_date_bounds")
        # Search keys: a record keys its own words; a changed alternative name re-keys its owner.
        # Names of linked records (parties, institutions visited) are matched through the links
        # at query time, so saving a link never has to touch another row's keys.
        pre_save.connect(signals.refresh_search_text, dispatch_uid="refresh_search_text")
        for model in (InstitutionName, PersonName):
            post_save.connect(signals.refresh_owner_search_text, sender=model, dispatch_uid=f"rekey_{model.__name__}")
            post_delete.connect(
                signals.refresh_owner_search_text, sender=model, dispatch_uid=f"rekey_{model.__name__}_deleted"
            )
        m2m_changed.connect(
            signals.sync_staff_status, sender=get_user_model().groups.through, dispatch_uid="sync_staff_status"
        )
        # Cached counts and figures are keyed by a version that every change to the records bumps.
        from . import caching

        caching.connect_signals()
