from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreements"
    verbose_name = _("Cooperation tracker")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from . import signals
        from .models import TrackerModel

        # A link added or removed outside a save (visit.sectors.add(…)) changes the records too.
        for model in self.get_models():
            if not issubclass(model, TrackerModel):
                continue
            for field in model._meta.many_to_many:
                through = field.remote_field.through
                if through._meta.auto_created:
                    m2m_changed.connect(signals.links_changed, sender=through, dispatch_uid=f"links_{through.__name__}")
        m2m_changed.connect(
            signals.sync_staff_status, sender=get_user_model().groups.through, dispatch_uid="sync_staff_status"
        )
