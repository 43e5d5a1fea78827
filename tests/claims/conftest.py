"""Fixtures of the claims tests: active policies for homes of two regions and two insurers, and
helpers that report incidents and move claims to any state through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from insurance import services as policy_services
from insurance.services import claims as claim_services
from tests.factories import InstitutionFactory, make_user, pdf_bytes, region, term_covering
from tests.insurance.conftest import ins  # noqa: F401  (re-exported fixture)

D = Decimal


def active_policy(home, institution_user, insurer_user, *, start=None, end=None, beds=100, sections=None, number=None):
    """A bound policy through the policy services (rated by the scheme in force)."""
    if start is None:
        start, end = term_covering()
    terms = policy_services.PolicyTerms(start_date=start, end_date=end, insured_beds=beds, sections=sections)
    policy = policy_services.create_policy(
        actor=institution_user, terms=terms, institution_id=home.pk, insurer=insurer_user.insurer
    )
    policy_services.declare_residents_not_charged(actor=institution_user, policy_id=policy.pk)
    return policy_services.activate_policy(
        actor=insurer_user, policy_id=policy.pk, number=number or f"P-{home.pk}-{start:%Y%m%d}"
    )


def resident(name="李秀英", outcome="injury"):
    return {"kind": "resident", "name": name, "outcome": outcome}


def incident(user, *, category="fall", persons=None, occurred_at=None, home=None, **extra):
    data = {
        "occurred_at": occurred_at or timezone.now() - timedelta(days=3),
        "category": category,
        "place": "二楼走廊",
        "description": "老人夜间如厕时跌倒，护理员发现后立即处置。",
        **extra,
    }
    return claim_services.report_incident(
        actor=user, data=data, persons=[resident()] if persons is None else persons,
        institution_id=home.pk if home is not None else None,
    )


def upload(name="病历.pdf", data=None):
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)


@pytest.fixture
def cw(ins):  # noqa: F811  (the fixture imported above)
    """`ins` plus: policies in force today — 天河 home with insurer A, a second 天河 home with
    insurer B, the 汉滨 home with insurer A — and users for the second home."""
    ins.gz_home2 = InstitutionFactory(region=region("440106"), name="天河福寿养老院")
    ins.gz_institution2 = make_user("institution", institution=ins.gz_home2)
    ins.gz_policy = active_policy(ins.gz_home, ins.gz_institution, ins.insurer)
    ins.gz2_policy = active_policy(ins.gz_home2, ins.gz_institution2, ins.insurer_b_user, beds=50)
    ins.ak_policy = active_policy(ins.ak_home, ins.ak_institution, ins.insurer)
    return ins


def new_claim(cw, *, user=None, policy=None, section="general", amount="3000.00", lines=None, **incident_args):
    user = user or cw.gz_institution
    policy = policy or cw.gz_policy
    event = incident(user, **incident_args)
    return claim_services.create_claim(
        actor=user, policy_id=policy.pk, incident_id=event.pk, section=section, claimed_amount=D(amount), lines=lines
    )


def institution_of(cw, claim):
    return claim.institution.users.filter(role="institution").order_by("id").first()


def insurer_of(cw, claim):
    return cw.insurer if claim.policy.insurer_id == cw.insurer_a.pk else cw.insurer_b_user


PATHS = {
    "reported": [],
    "registered": ["register"],
    "documents_requested": ["register", "request-documents"],
    "approved": ["register", "approve"],
    "rejected": ["register", "reject"],
    "paid": ["register", "approve", "pay"],
    "closed": ["register", "approve", "pay", "close"],
    "withdrawn": ["withdraw"],
    "disputed": ["register", "approve", "dispute"],
}


def advance(cw, claim, action, amount=None):
    """Perform one action as the right party, with a valid body."""
    s = claim_services
    insurer, home = insurer_of(cw, claim), institution_of(cw, claim)
    amount = D(amount) if amount is not None else claim.claimed_amount
    if action == "register":
        return s.register_claim(actor=insurer, claim_id=claim.pk)
    if action == "request-documents":
        return s.request_documents(actor=insurer, claim_id=claim.pk, note="请补充病历")
    if action == "submit-documents":
        return s.submit_documents(actor=home, claim_id=claim.pk, files=[upload()], kind="medical_record")
    if action == "approve":
        return s.approve_claim(actor=insurer, claim_id=claim.pk, approved_amount=amount)
    if action == "reject":
        return s.reject_claim(actor=insurer, claim_id=claim.pk, reason="no_liability")
    if action == "pay":
        claim.refresh_from_db()
        return s.pay_claim(actor=insurer, claim_id=claim.pk, paid_amount=claim.approved_amount,
                           paid_on=timezone.localdate(), reference="PAY-001")
    if action == "close":
        return s.close_claim(actor=insurer, claim_id=claim.pk)
    if action == "withdraw":
        return s.withdraw_claim(actor=home, claim_id=claim.pk)
    if action == "dispute":
        return s.dispute_claim(actor=home, claim_id=claim.pk, note="核定金额过低")
    if action == "resolve":
        return s.resolve_dispute(actor=cw.gz_regulator, claim_id=claim.pk, outcome="closed", note="调解结案")
    if action == "reopen":
        return s.reopen_claim(actor=insurer, claim_id=claim.pk, note="发现新的医疗费用")
    raise AssertionError(action)


def claim_in(cw, state, **kwargs):
    claim = new_claim(cw, **kwargs)
    for action in PATHS[state]:
        claim = advance(cw, claim, action)
    claim.refresh_from_db()
    assert claim.status == state
    return claim
