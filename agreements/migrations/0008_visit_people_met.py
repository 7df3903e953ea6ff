
from django.db import migrations, models
from django.db.models import F

BATCH = 2000


def move_links(source, target) -> None:
    """Move the links `source` (a queryset of one many-to-many table) into the table `target`."""
    links = list(source.values_list("visit_id", "person_id"))
    for start in range(0, len(links), BATCH):
        target.objects.bulk_create(
            [target(visit_id=visit, person_id=person) for visit, person in links[start : start + BATCH]],
            ignore_conflicts=True,
        )
    source.delete()


def hosts_to_people_met(apps, schema_editor):
    """A visit's participants of the host country were never its delegation: they received it."""
    Visit = apps.get_model("agreements", "Visit")
    participants, people_met = Visit.participants.through, Visit.people_met.through
    move_links(participants.objects.filter(person__country=F("visit__host_country")), people_met)


def people_met_to_participants(apps, schema_editor):
    Visit = apps.get_model("agreements", "Visit")
    move_links(Visit.people_met.through.objects.all(), Visit.participants.through)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0007_follows'),
    ]

    operations = [
        migrations.AddField(
            model_name='visit',
            name='people_met',
            field=models.ManyToManyField(blank=True, help_text='People of the host country who received the delegation or met it.', related_name='visits_received', to='agreements.person', verbose_name='hosts and people met'),
        ),
        migrations.AlterField(
            model_name='visit',
            name='participants',
            field=models.ManyToManyField(blank=True, help_text="The guest country's delegation, besides its leader.", related_name='visits_attended', to='agreements.person', verbose_name='members of the delegation'),
        ),
        migrations.RunPython(hosts_to_people_met, people_met_to_participants),
    ]
