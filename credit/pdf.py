"""The two printable documents of the blacklist procedure, Chinese PDFs through config.pdf.render_pdf:
the notice to the party (告知书, once notified) and the listing decision (列入决定书, once listed).
The issuing authority is named as on inspection documents (inspections.pdf.issuing_authority)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import Conflict
from config.pdf import render_pdf
from credit import blacklist
from credit.choices import CaseStatus, SubjectType
from credit.models import BlacklistCase
from inspections.pdf import issuing_authority, lines, reconsideration_body

NOTICE = "notice"
DECISION = "decision"
TITLES = {NOTICE: "失信联合惩戒对象名单列入告知书", DECISION: "失信联合惩戒对象名单列入决定书"}
SHORT = {NOTICE: "告知书", DECISION: "列入决定书"}
DECIDED_TO_LIST = (CaseStatus.LISTED, CaseStatus.REMOVAL_REQUESTED, CaseStatus.REMOVED, CaseStatus.EXPIRED,
                   CaseStatus.REVOKED)
NOT_NOTIFIED = _("The party has not been notified yet: there is no notice to print.")
NOT_LISTED = _("There is no listing decision for this case.")


def document_filename(case: BlacklistCase, document: str) -> str:
    return f"{SHORT[document]}-{case.number or case.pk}.pdf"


def document_number(case: BlacklistCase, document: str) -> str:
    kind = "失信告" if document == NOTICE else "失信决"
    year = (case.listed_at.year if document == DECISION and case.listed_at
            else timezone.localdate(case.notified_at or case.created_at).year)
    return f"{kind}〔{year}〕第{case.pk}号"


def _load(case: BlacklistCase) -> BlacklistCase:
    return BlacklistCase.objects.select_related("institution__region", "practitioner").get(pk=case.pk)


def _context(case: BlacklistCase, document: str) -> dict:
    region = case.institution.region
    return {
        "case": case,
        "institution": case.institution,
        "practitioner": case.practitioner,
        "is_practitioner": case.subject_type == SubjectType.PRACTITIONER,
        "authority": issuing_authority(region),
        "reconsideration_body": reconsideration_body(region),
        "document_number": document_number(case, document),
        "criterion": blacklist.CRITERIA_ZH[case.criterion],
        "criterion_number": case.criterion,
        "article": blacklist.article_for(case.criterion),
        "regulation": blacklist.REGULATION,
        "legal_basis": case.legal_basis or blacklist.legal_basis_for(case.criterion),
        "evidence": lines(case.evidence),
        "objection_days": blacklist.setting("objection_working_days"),
        "listing_years": blacklist.setting("listing_years"),
        "early_removal_years": blacklist.setting("early_removal_years"),
        "notified_on": timezone.localdate(case.notified_at) if case.notified_at else None,
        "earliest_removal": blacklist.earliest_removal_request(case),
    }


def notice_pdf(case: BlacklistCase) -> bytes:
    case = _load(case)
    if case.notified_at is None or case.objection_deadline is None:
        raise Conflict(NOT_NOTIFIED, code="not_notified")
    return render_pdf("pdf/blacklist_notice.html", _context(case, NOTICE))


def decision_pdf(case: BlacklistCase) -> bytes:
    case = _load(case)
    if case.listed_at is None or case.status not in DECIDED_TO_LIST:
        raise Conflict(NOT_LISTED, code="not_listed")
    return render_pdf("pdf/blacklist_decision.html", _context(case, DECISION) | {
        "objection": lines(case.objection), "review": lines(case.review_conclusion),
        "decision_note": lines(case.decision_note)})


def build(case: BlacklistCase, document: str) -> bytes:
    return {NOTICE: notice_pdf, DECISION: decision_pdf}[document](case)
