"""Ships the national default checklist (一表通查) from inspections/checklist_data.py.

Idempotent (update_or_create by template code + version and item code), so it may run on a
database that already holds the template. Reversing removes nothing: inspections may point at it.
"""

from django.db import migrations
from django.utils import timezone


def install_default_checklist(apps, schema_editor):
    from inspections import checklist_data

    checklist_data.install(
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistItem"),
        now=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(install_default_checklist, migrations.RunPython.noop)]
