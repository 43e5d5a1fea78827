# Written by hand (Django 5.2): the region of the institution kept on policies and claims, so the
# dashboard and the claims statistics group by region without joining every row to its home.

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
        ('institutions', '0005_person_is_blacklisted'),
        ('insurance', '0006_claim_polling_index'),
    ]

    operations = [
        # The dashboard's covering indexes named the institution only to join it for its region.
        migrations.RemoveIndex(model_name='policy', name='insurance_p_status_4ec38b_idx'),
        migrations.RemoveIndex(model_name='claim', name='insurance_c_created_59f042_idx'),
        migrations.RemoveIndex(model_name='claim', name='insurance_c_paid_at_ff2145_idx'),
        migrations.AddField(model_name='policy', name='region', field=region_field(null=True)),
        migrations.AddField(model_name='claim', name='region', field=region_field(null=True)),
        backfill('insurance_policy'),
        backfill('insurance_claim'),
        migrations.AlterField(model_name='policy', name='region', field=region_field(null=False)),
        migrations.AlterField(model_name='claim', name='region', field=region_field(null=False)),
        migrations.AddIndex(
            model_name='policy',
            index=models.Index(fields=['status', 'end_date', 'start_date', 'region', 'premium', 'institution'],
                               name='insurance_p_status_6929c0_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['created_at', 'region'], name='insurance_c_created_7ba173_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['paid_at', 'region', 'paid_amount'], name='insurance_c_paid_at_8ac52c_idx'),
        ),
    ]
