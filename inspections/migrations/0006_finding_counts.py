# Written by hand (Django 5.2): the counts of each inspection's findings kept on the inspection, so
# the list shows and sorts by them without aggregating every inspection in scope (issue 7).

from django.db import migrations, models

# inspections.selectors.OPEN_FINDING_STATUSES, frozen here as a migration must be.
OPEN = "('open', 'submitted', 'overdue')"


def backfill(column: str, condition: str = ""):
    """One UPDATE per counter, a correlated count per inspection (the same SQL on SQLite and PostgreSQL;
    a bare boolean column is a condition on both)."""
    return migrations.RunSQL(
        f'UPDATE inspections_inspection SET {column} = (SELECT COUNT(*) FROM inspections_finding '
        f'WHERE inspections_finding.inspection_id = inspections_inspection.id{condition})',
        migrations.RunSQL.noop,
    )


def counter(name: str):
    return models.PositiveIntegerField(default=0, editable=False, verbose_name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0005_fact_region'),
    ]

    operations = [
        migrations.AddField(model_name='inspection', name='findings_total', field=counter('findings')),
        migrations.AddField(model_name='inspection', name='findings_open', field=counter('open findings')),
        migrations.AddField(model_name='inspection', name='major_hazards', field=counter('major accident hazards')),
        backfill('findings_total'),
        backfill('findings_open', f' AND inspections_finding.status IN {OPEN}'),
        backfill('major_hazards', ' AND inspections_finding.is_major_hazard'),
        # Both lists' default order, and the HTML list's sort by open findings (built after the
        # backfill: one pass over settled values rather than an index update per row).
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['scheduled_for', 'id'], name='inspections_schedul_c841ec_idx'),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['findings_open', 'id'], name='inspections_finding_a2ad0d_idx'),
        ),
    ]
