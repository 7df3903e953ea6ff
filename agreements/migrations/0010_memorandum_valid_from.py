import agreements.fuzzydates
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0009_api_tokens"),
    ]

    # The bounds come first: a FuzzyDateField adds its bounds to the model state itself, so that
    # SQLite, which rebuilds the table for each new column, would otherwise create them twice.
    operations = [
        migrations.AddField(
            model_name="memorandum",
            name="valid_from_earliest",
            field=agreements.fuzzydates.FuzzyDateBound(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="memorandum",
            name="valid_from_latest",
            field=agreements.fuzzydates.FuzzyDateBound(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="memorandum",
            name="valid_from",
            field=agreements.fuzzydates.FuzzyDateField(
                blank=True,
                default="",
                help_text="When it took or takes effect, if the sources say; otherwise it counts from its signing.",
                max_length=64,
                verbose_name="in force from",
            ),
        ),
    ]
