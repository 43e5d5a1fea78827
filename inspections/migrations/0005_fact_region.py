# Written by hand (Django 5.2): the region of the institution kept on inspections and findings, so
# the dashboard and the inspection overview group by region without joining every row to its home.

import django.db.models.deletion
from django.db import migrations, models


def region_field(null: bool):
    return models.ForeignKey(
        db_index=False, editable=False, null=null, on_delete=django.db.models.deletion.PROTECT, related_name='+',
        to='institutions.region', verbose_name='region',
    )


def backfill(table: str):
    """Every existing row takes its institution's region (one UPDATE; the new foreign key was made
    IMMEDIATE by AddField on PostgreSQL, so the NOT NULL that follows finds no pending checks)."""
    return migrations.RunSQL(
        f'UPDATE {table} SET region_id = (SELECT region_id FROM institutions_institution '
        f'WHERE institutions_institution.id = {table}.institution_id)',
        migrations.RunSQL.noop,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0004_dashboard_indexes'),
        ('institutions', '0005_person_is_blacklisted'),
    ]

    operations = [
        # The dashboard's covering index named the institution only to join it for its region.
        migrations.RemoveIndex(model_name='inspection', name='inspections_started_23d85e_idx'),
        migrations.AddField(model_name='inspection', name='region', field=region_field(null=True)),
        migrations.AddField(model_name='finding', name='region', field=region_field(null=True)),
        backfill('inspections_inspection'),
        backfill('inspections_finding'),
        migrations.AlterField(model_name='inspection', name='region', field=region_field(null=False)),
        migrations.AlterField(model_name='finding', name='region', field=region_field(null=False)),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['started_at', 'status', 'region'], name='inspections_started_eb8219_idx'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['status', 'region', 'is_major_hazard', 'deadline', 'institution'],
                               name='inspections_status_87e358_idx'),
        ),
    ]
