"""The four roles, as groups: Viewer, Analyst, Editor and Administrator (README, "Accounts and roles").

The role definitions are written out here, not imported, so that this migration always does
what it did when it was written; a later change to a role needs a migration of its own.
`create_roles` can run again on a database that has them (tests do, after a flush).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.models import Q

BROWSE = ("agreements", "browse_records")
EXPORT = ("agreements", "export_records")

# The records editors enter in the admin, and the parts edited on those records' own pages.
# Removing a signatory or an alternative name is an edit of its record, so editors may delete
# parts; deleting a record itself is for administrators.
RECORDS = ["country", "sector", "source", "institution", "person", "visit", "memorandum", "commitment"]
PARTS = ["institutionname", "personname", "signatory", "memorandumrelation"]

ROLES = {
    "Viewer": [BROWSE],
    "Analyst": [BROWSE, EXPORT],
    "Editor": [
        BROWSE,
        EXPORT,
        *[("agreements", f"{action}_{model}") for model in RECORDS + PARTS for action in ("add", "change", "view")],
        *[("agreements", f"delete_{part}") for part in PARTS],
    ],
}
ADMINISTRATOR = "Administrator"  # holds every permission


def create_all_permissions(apps) -> None:
    """Permissions are normally created after migrate has finished; the roles need them now."""
    for app_config in apps.get_app_configs():
        # A migration's app configs carry no models module, which create_permissions requires.
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    create_all_permissions(apps)
    for name, wanted in ROLES.items():
        condition = Q()
        for app_label, codename in wanted:
            condition |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(condition).select_related("content_type"))
        missing = set(wanted) - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise RuntimeError(f"The {name} role needs permissions that do not exist: {sorted(missing)}")
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)
    group, _created = Group.objects.get_or_create(name=ADMINISTRATOR)
    group.permissions.add(*Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_archive_indexes"),
        # Every app with models migrated first, so that administrators get all of their permissions.
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="memorandum",
            options={
                "ordering": [models.OrderBy(models.F("signed_earliest"), descending=True, nulls_last=True), "title"],
                "permissions": [
                    ("browse_records", "Can browse the tracker's pages"),
                    ("export_records", "Can export lists as CSV, XLSX or JSON"),
                ],
                "verbose_name": "memorandum",
                "verbose_name_plural": "memoranda",
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
