"""The insurance certificate (承保确认书) as a Chinese PDF."""

from django.utils import timezone

from config.pdf import render_pdf
from insurance.models import Policy

FACTOR_LABELS = ["机构等级", "信用等级", "检查记录（近12个月重大隐患）", "赔付率（近3年）"]
NO_DATA = "无数据"


def certificate_pdf(policy: Policy) -> bytes:
    factors = [
        {"label": label, "input": NO_DATA if f["input"] == "none" else f["input"], "value": f["value"]}
        for label, f in zip(FACTOR_LABELS, policy.rating.get("factors", []), strict=False)
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
