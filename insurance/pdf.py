"""The insurance certificate (承保确认书) as a Chinese PDF."""

from django.utils import timezone

from config.pdf import render_pdf
from insurance.models import Policy
from insurance.rating import factor_label

NO_DATA = "无数据"


def certificate_pdf(policy: Policy) -> bytes:
    factors = [
        {"label": factor_label(f, i), "input": NO_DATA if f["input"] == "none" else f["input"], "value": f["value"]}
        for i, f in enumerate(policy.rating.get("factors", []))
    ]
    funding = list(policy.funding.all())
    return render_pdf(
        "pdf/insurance_certificate.html",
        {
            "policy": policy,
            "sections": list(policy.sections.all()),
            "factors": factors,
            "funding": funding,
            "funding_total": sum(line.amount for line in funding),
            "issued_on": timezone.localdate(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Claim summary (理赔案件摘要). Codes are labelled with their choices' labels, read in Chinese
# (render_pdf's language) — one home for every label. Event actions have no choice set: named here.

CLAIM_ACTIONS = {
    "create": "报案", "register": "立案", "request-documents": "要求补充材料", "submit-documents": "提交补充材料",
    "approve": "核赔", "reject": "拒赔", "pay": "赔付", "close": "结案", "withdraw": "注销",
    "dispute": "提出理赔纠纷", "resolve": "纠纷调解", "reopen": "重开赔案",
}


def _claim_labels() -> dict[str, dict[str, str]]:
    from django.utils import translation

    from insurance.choices import Section
    from insurance.models import claims as m

    sets = {
        "status": m.ClaimStatus, "section": Section, "category": m.IncidentCategory, "kind": m.PersonKind,
        "outcome": m.Outcome, "notice": m.FamilyNotice, "responsibility": m.Responsibility, "item": m.CostItem,
        "reason": m.RejectionReason, "document": m.DocumentKind, "dispute_outcome": m.DisputeOutcome,
    }
    with translation.override("zh-hans"):
        labels = {key: {code: str(label) for code, label in cls.choices} for key, cls in sets.items()}
    labels["document"]["arbitration_or_litigation"] = "仲裁或诉讼文书"  # a requirement, not a document kind
    labels["action"] = CLAIM_ACTIONS
    return labels


def claim_summary_pdf(claim) -> bytes:
    from insurance.services.claims import missing_documents

    labels = _claim_labels()
    incident = claim.incident
    persons = [
        {"name": p.name, "kind": labels["kind"].get(p.kind, p.kind), "outcome": labels["outcome"].get(p.outcome, p.outcome),
         "injury": p.injury}
        for p in incident.persons.all()
    ]
    lines = [
        {"person": line.person.name if line.person else "—", "item": labels["item"].get(line.item, line.item),
         "description": line.description, "claimed": line.claimed_amount, "approved": line.approved_amount,
         "paid": line.paid_amount, "reason": labels["reason"].get(line.rejection_reason, "")}
        for line in claim.lines.select_related("person").order_by("id")
    ]
    events = [
        {"at": e.at, "action": labels["action"].get(e.action, e.action),
         "from": labels["status"].get(e.from_status, e.from_status), "to": labels["status"].get(e.to_status, e.to_status),
         "actor": str(e.actor) if e.actor else "系统", "note": e.note}
        for e in claim.events.select_related("actor").order_by("at", "id")
    ]
    disputes = [
        {"raised_at": d.raised_at, "grounds": d.grounds, "outcome": labels["dispute_outcome"].get(d.outcome, "调解中"),
         "note": d.mediation_note, "resolved_at": d.resolved_at, "before": d.approved_before, "after": d.approved_after}
        for d in claim.disputes.order_by("raised_at", "id")
    ]
    return render_pdf(
        "pdf/claim_summary.html",
        {
            "claim": claim,
            "incident": incident,
            "policy": claim.policy,
            "limits": claim.policy.sections.filter(section=claim.section).first(),
            "status": labels["status"].get(claim.status, claim.status),
            "section": labels["section"].get(claim.section, claim.section),
            "category": labels["category"].get(incident.category, incident.category),
            "notice": labels["notice"].get(incident.family_notified_how, ""),
            "responsibility": labels["responsibility"].get(incident.responsibility, ""),
            "rejection_reason": labels["reason"].get(claim.rejection_reason, ""),
            "persons": persons,
            "lines": lines,
            "documents": [
                {"kind": labels["document"].get(d.kind, d.kind), "name": d.original_name, "at": d.uploaded_at}
                for d in claim.documents.order_by("uploaded_at", "id")
            ],
            "missing": [labels["document"].get(kind, kind) for kind in missing_documents(claim)],
            "events": events,
            "disputes": disputes,
            "payments": list(claim.payments.order_by("at", "id")),
            "issued_on": timezone.localdate(),
        },
    )
