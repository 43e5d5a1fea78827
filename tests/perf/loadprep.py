"""Data for the insurer-API load test (tests/perf/loadtest.py): one insurer, homes with policies
in force today, and many `reported` claims on them.

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python -m tests.perf.loadprep --claims 2000

Runs from the dev venv (it uses tests/factories.py) after `migrate` and `load_regions`. The
first claim of every policy goes through the real services (report_incident, create_claim), so
the rows are what the product writes; the rest are bulk copies of it (a few seconds, not the
minutes thousands of service calls take). When `generate_scale` exists, the load test can use
its data instead: it only needs an insurer code with `reported` claims.

Claims are spread over many policies on purpose: approvals lock the policy's coverage section,
so piling every claim onto one policy would measure that one lock, not the API.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _policy_for(home, home_user, insurer_user, start, end):
    """Bound and active through the policy services, as a real home's policy would be."""
    from insurance import services as policy_services

    terms = policy_services.PolicyTerms(start_date=start, end_date=end, insured_beds=100, sections=None)
    policy = policy_services.create_policy(actor=home_user, terms=terms, institution_id=home.pk,
                                           insurer=insurer_user.insurer)
    policy_services.declare_residents_not_charged(actor=home_user, policy_id=policy.pk)
    return policy_services.activate_policy(actor=insurer_user, policy_id=policy.pk, number=f"LOAD-P-{home.pk}")


def _template_claim(policy, home_user, amount):
    from django.utils import timezone

    from insurance.services import claims as claim_services

    incident = claim_services.report_incident(
        actor=home_user,
        data={"occurred_at": timezone.now() - timedelta(days=3), "category": "fall", "place": "二楼走廊",
              "description": "老人夜间如厕时跌倒，护理员发现后立即处置。"},
        persons=[{"kind": "resident", "name": "李秀英", "outcome": "injury"}],
    )
    return claim_services.create_claim(actor=home_user, policy_id=policy.pk, incident_id=incident.pk,
                                       section="general", claimed_amount=amount)


def _copies(template, count, home_user):
    """`count` more claims like `template` (own incident, person, line, create event each)."""
    from django.db import transaction
    from django.utils import timezone

    from insurance.models import Claim, ClaimEvent, ClaimLine, Incident, IncidentPerson

    incident = template.incident
    person = incident.persons.get()
    line = template.lines.get()
    with transaction.atomic():
        incidents = Incident.objects.bulk_create([
            Incident(institution_id=incident.institution_id, occurred_at=incident.occurred_at - timedelta(minutes=i + 1),
                     category=incident.category, place=incident.place, description=incident.description,
                     reported_by=home_user)
            for i in range(count)
        ])
        persons = IncidentPerson.objects.bulk_create([
            IncidentPerson(incident=row, kind=person.kind, name=person.name, outcome=person.outcome) for row in incidents
        ])
        claims = Claim.objects.bulk_create([
            Claim(policy_id=template.policy_id, incident=row, institution_id=template.institution_id,
                  insurer_id=template.insurer_id, region_id=template.region_id,
                  section=template.section, policy_year=template.policy_year, claimed_amount=template.claimed_amount,
                  fast_track=template.fast_track, created_by=home_user)
            for row in incidents
        ])
        year = timezone.localdate().year
        for claim in claims:
            claim.number = f"CLM-{year}-{claim.pk:07d}"
        Claim.objects.bulk_update(claims, ["number"])
        ClaimLine.objects.bulk_create([
            ClaimLine(claim=claim, person=row, item=line.item, claimed_amount=line.claimed_amount)
            for claim, row in zip(claims, persons, strict=True)
        ])
        ClaimEvent.objects.bulk_create([
            ClaimEvent(claim=claim, action="create", from_status="", to_status=claim.status, actor=home_user,
                       data={"claimed_amount": f"{claim.claimed_amount:.2f}"})
            for claim in claims
        ])


def prepare(*, claims: int, homes: int, insurer_code: str, amount: Decimal = Decimal("3000.00")) -> dict:
    """Create the insurer, `homes` homes with policies and `claims` reported claims; return counts."""
    from django.utils import timezone

    from accounts.choices import Role
    from insurance.models import Claim
    from tests.factories import InstitutionFactory, InsurerFactory, make_scheme, make_user, region, term_covering

    homes = max(1, min(homes, claims))
    start, end = term_covering()
    # No passwords (password=None): nobody logs in as these, and hashing one costs a quarter second.
    admin = make_user(Role.ADMIN, username="load-admin", password=None)
    for year in sorted({start.year, timezone.localdate().year}):
        make_scheme("440000", year, "120.00", actor=admin)
    insurer = InsurerFactory(code=insurer_code, name="负载测试保险公司")
    # Policies are activated by an insurer user; the load client gets its own (add_user).
    underwriter = make_user(Role.INSURER, insurer=insurer, username=f"{insurer_code}-underwriter",
                            password=None)
    tianhe = region("440106")
    per_home, extra = divmod(claims, homes)
    for n in range(homes):
        home = InstitutionFactory(region=tianhe, name=f"负载测试养老院{n + 1}号")
        home_user = make_user(Role.INSTITUTION, institution=home, username=f"load-home-{n + 1}", password=None)
        policy = _policy_for(home, home_user, underwriter, start, end)
        count = per_home + (1 if n < extra else 0)
        template = _template_claim(policy, home_user, amount)
        if count > 1:
            _copies(template, count - 1, home_user)
    return {"claims": Claim.objects.filter(policy__insurer=insurer, status="reported").count(), "homes": homes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=2000, help="reported claims to create (default 2000)")
    parser.add_argument("--homes", type=int, default=50, help="homes (one policy each) to spread them over")
    parser.add_argument("--insurer-code", default="load-ins")
    args = parser.parse_args(argv)
    _setup_django()
    began = time.perf_counter()
    made = prepare(claims=args.claims, homes=args.homes, insurer_code=args.insurer_code)
    print(f"Prepared {made['claims']} reported claims on {made['homes']} policies of insurer "
          f"{args.insurer_code} in {time.perf_counter() - began:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
