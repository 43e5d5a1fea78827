"""The national default scoring rule set (Shanghai's public model, domain.md §5), published.

The weights are frozen here as they were when the migration was written; later changes to
credit.scoring.DEFAULT_RULES reach the database as new rule-set versions, never by editing this.
Idempotent: nothing happens when a rule set with the code already exists."""

from django.db import migrations
from django.utils import timezone

CODE = "national"
RULES = {
    "filing_missing": {"points": "-8", "cap": "-8"},
    "filing_late": {"points": "-3", "cap": "-3", "grace_days": 14},
    "findings": {"a_c": "-0.5", "d_f": "-1", "g_i": "-2", "j_l": "-4", "cap": "-20", "window_days": 730,
                 "full_weight_days": 365, "older_weight": "0.5"},
    "overdue_rectifications": {"points": "-2", "cap": "-10", "window_days": 730},
    "major_hazards": {"points": "-5", "cap": "-15"},
    "penalties": {"warning": "-2", "fine": "-4", "suspension": "-8", "cap": "-15", "window_days": 730},
    "incidents": {"main": "-5", "direct": "-6", "cap": "-18", "window_days": 730},
    "uninsured_days": {"points": "-1", "per_days": 30, "cap": "-12", "window_days": 365},
    "complaints": {"points": "-2", "cap": "-10", "window_days": 365},
    "practitioner_dishonesty": {"points": "-3", "cap": "-9"},
    "level_rating": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "cap": "5"},
    "clean_inspections": {"points": "1", "cap": "3", "window_days": 365},
    "continuous_insurance": {"points": "2", "cap": "2", "window_days": 365},
}


def install(apps, schema_editor):
    ScoringRuleSet = apps.get_model("credit", "ScoringRuleSet")
    if ScoringRuleSet.objects.filter(code=CODE).exists():
        return
    ScoringRuleSet.objects.create(
        code=CODE, version=1, name="全国默认信用评分规则（参照上海模式）", region=None, base_score=80, rules=RULES,
        grade_cutoffs={"A": "90", "B": "75", "C": "60"}, status="published", published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
