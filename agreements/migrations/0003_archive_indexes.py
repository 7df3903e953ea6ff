from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_search_keys_and_sector_names"),
    ]

    operations = []
