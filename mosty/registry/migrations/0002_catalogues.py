"""Load the shipped sectors, support types and regions (idempotent; see mosty.registry.catalogue)."""

from django.db import migrations


def load(apps, schema_editor):
    from mosty.registry.catalogue import sync_catalogues

    sync_catalogues(
        sector_model=apps.get_model("registry", "Sector"),
        support_type_model=apps.get_model("registry", "SupportType"),
        region_model=apps.get_model("registry", "Region"),
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
