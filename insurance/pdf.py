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
