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
# Claim summary (理赔案件摘要). Official documents are Chinese whatever the catalogues hold, so
# the claims room's codes are labelled here.

CLAIM_LABELS = {
    "status": {"reported": "报案", "registered": "立案", "documents_requested": "补充材料", "approved": "核赔通过",
               "rejected": "拒赔", "paid": "已赔付", "closed": "结案", "withdrawn": "注销", "disputed": "理赔纠纷"},
    "section": {"general": "一般责任", "other": "其他责任", "third_party": "第三者责任", "legal_costs": "法律费用"},
    "category": {"choking": "噎食", "wrong_intake": "食品药品误食", "pressure_sore": "压疮", "scald": "烫伤",
                 "bed_fall": "坠床", "fall": "跌倒", "wandering": "走失", "harm": "他伤和自伤", "recreation": "文娱活动意外",
                 "fire": "火灾", "gas_explosion": "燃气或化学物品爆炸", "food_poisoning": "食物中毒", "elevator": "电梯事故",
                 "facility_defect": "设施设备缺陷", "other": "其他事故"},
    "kind": {"resident": "入住老年人", "third_party": "第三者", "staff": "工作人员"},
    "outcome": {"injury": "受伤", "disability": "伤残", "death": "死亡"},
    "notice": {"phone": "电话", "in_person": "当面", "message": "短信", "other": "其他方式"},
    "responsibility": {"none": "无责任", "secondary": "次要责任", "main": "主要责任", "direct": "直接责任"},
    "item": {"medical": "医疗费", "nursing": "护理费", "lost_income": "误工费", "disability": "残疾赔偿金",
             "death": "死亡赔偿金", "funeral": "丧葬费", "mental_distress": "精神损害抚慰金", "legal_fee": "仲裁、诉讼或律师费",
             "appraisal": "鉴定费", "other": "其他费用"},
    "reason": {"not_covered": "不属于保险责任", "excluded": "属于除外责任", "outside_term": "不在保险期间内",
               "no_liability": "机构无责任", "insufficient_documents": "单证不全", "over_limit": "超出责任限额",
               "duplicate": "重复索赔", "false_claim": "虚假索赔", "other": "其他原因"},
    "document": {"incident_report": "事故经过说明", "medical_record": "病历及诊断证明", "invoice": "费用票据",
                 "disability_assessment": "伤残鉴定", "death_certificate": "死亡证明", "identity": "身份证明",
                 "liability_finding": "责任认定书", "settlement": "赔偿协议", "arbitration": "仲裁文书", "litigation": "诉讼文书",
                 "photo": "现场照片", "other": "其他材料", "arbitration_or_litigation": "仲裁或诉讼文书"},
    "action": {"create": "报案", "register": "立案", "request-documents": "要求补充材料", "submit-documents": "提交补充材料",
               "approve": "核赔", "reject": "拒赔", "pay": "赔付", "close": "结案", "withdraw": "注销",
               "dispute": "提出理赔纠纷", "resolve": "纠纷调解", "reopen": "重开赔案"},
    "dispute_outcome": {"approved": "调解后核赔", "closed": "调解后结案"},
}


def claim_summary_pdf(claim) -> bytes:
    from insurance.services.claims import missing_documents

    labels = CLAIM_LABELS
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
