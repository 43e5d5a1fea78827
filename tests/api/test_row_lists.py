"""Lists read as rows (config/api_rows.py) answer exactly what their serializers would.

The whole demo data set (claims in every state with lines, documents, events and a dispute; findings
with rectifications, files, photos and escalations; policies with sections, funding and documents)
is read through each such list twice — once as rows, once through DRF's own ListModelMixin — as
every kind of user, in both languages, and the two JSON answers must be equal.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from rest_framework import mixins, serializers

from accounts.demo import seed_demo
from accounts.models import User
from config.api_rows import RowListMixin, RowReader, row_reads
from inspections.models import (
    Escalation,
    Finding,
    FindingEvent,
    Inspection,
    InspectionPhoto,
    Rectification,
    RectificationFile,
)
from institutions.models import Institution
from insurance.models import Claim, ClaimDocument, ClaimEvent, ClaimLine, Policy, PolicyDocument
from tests.conftest import client_for

ROW_LISTS = ["/api/v1/institutions/", "/api/v1/policies/", "/api/v1/claims/", "/api/v1/findings/",
             "/api/v1/inspections/"]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media):
        with transaction.atomic():
            seed_demo()
            add_what_the_demo_lacks()
            yield
            transaction.set_rollback(True)


def add_what_the_demo_lacks():
    """Rows a reader must get right that the demo does not hold (written directly: only reading is tested)."""
    admin = User.objects.get(username="admin")
    ClaimEvent.objects.create(claim=Claim.objects.order_by("pk").first(), action="note", actor=None)
    finding = Finding.objects.filter(inspection__results__isnull=False).order_by("pk").first()
    FindingEvent.objects.create(finding=finding, action="note", actor=None)
    file = {"size": 1234, "sha256": "0" * 64}
    policy = Policy.objects.exclude(status="draft").order_by("pk").first()
    Policy.objects.filter(pk=policy.pk).update(verified_at=policy.updated_at)
    PolicyDocument.objects.create(policy=policy, file="p/1.pdf", original_name="保单.pdf", pages=2, **file)
    rectification = Rectification.objects.create(
        finding=finding, plan="更换灭火器", evidence_note="已更换", submitted_by=None, decision="rejected",
        decision_note="照片不清", decided_by=admin, decided_at=finding.updated_at)
    RectificationFile.objects.create(rectification=rectification, file="r/1.jpg", original_name="整改.jpg",
                                     content_type="image/jpeg", extension="jpg", **file)
    Escalation.objects.create(finding=finding, kind="blacklist_referral", note="逾期未改", blacklist_criterion=3,
                              actor=admin)
    # A reason its home may not read (the inspection list blanks it for institution users).
    home = User.objects.get(username="gz_home").institution
    Inspection.objects.filter(pk=Inspection.objects.filter(institution=home).exclude(status="planned")
                              .order_by("pk").values("pk")[:1]).update(reason="投诉：夜间无人值守")
    result = finding.inspection.results.order_by("pk").first()
    for of_result in (result, None):
        InspectionPhoto.objects.create(inspection=finding.inspection, result=of_result, finding=finding,
                                       file="i/1.jpg", original_name="现场.jpg", caption="灭火器", **file)


def test_the_demo_holds_what_the_readers_must_handle(demo, db):
    holds = {
        "homes with and without a filing date": Institution.objects.filter(filed_on__isnull=True).exists()
        and Institution.objects.filter(filed_on__isnull=False).exists(),
        "policy documents": PolicyDocument.objects.exists(),
        "verified policies": Policy.objects.filter(verified_at__isnull=False).exists(),
        "claim documents": ClaimDocument.objects.exists(),
        "claim lines of a person": ClaimLine.objects.filter(person__isnull=False).exists(),
        "claim events with and without an actor": ClaimEvent.objects.filter(actor__isnull=True).exists()
        and ClaimEvent.objects.filter(actor__isnull=False).exists(),
        "disputes": Claim.objects.filter(disputes__isnull=False).exists(),
        "fast-track and other claims": set(Claim.objects.values_list("fast_track", flat=True)) == {True, False},
        "decided rectifications": Rectification.objects.filter(decided_by__isnull=False).exists(),
        "rectification files": RectificationFile.objects.exists(),
        "escalations": Finding.objects.filter(escalations__isnull=False).exists(),
        "finding photos": Finding.objects.filter(photos__isnull=False).exists(),
        "a reason a home's user must not read": Inspection.objects.filter(
            institution__users__username="gz_home", reason__gt="").exclude(status="planned").exists(),
        "inspections of a checklist, with a team, answers and signatures": Inspection.objects.filter(
            checklist__isnull=False, inspectors__isnull=False, results__isnull=False,
            signatures__isnull=False).exists(),
    }
    assert [what for what, held in holds.items() if not held] == []


def test_every_list_read_as_rows_is_compared_here():
    from inspections.api.views import FindingViewSet, InspectionViewSet
    from institutions.api.views import InstitutionViewSet
    from insurance.api.claims import ClaimViewSet
    from insurance.api.views import PolicyViewSet

    assert set(RowListMixin.__subclasses__()) == {InstitutionViewSet, PolicyViewSet, ClaimViewSet, FindingViewSet,
                                                  InspectionViewSet}


def users():
    return list(User.objects.filter(is_active=True).order_by("role", "pk"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url", ROW_LISTS)
def test_rows_answer_what_the_serializer_answers(demo, db, url, language, monkeypatch):
    compared = 0
    for user in users():
        client = client_for(user)
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        as_rows = client.get(url, {"page_size": 500}, **headers)
        with monkeypatch.context() as patch:
            patch.setattr(RowListMixin, "list", mixins.ListModelMixin.list)
            as_instances = client.get(url, {"page_size": 500}, **headers)
        assert as_rows.status_code == as_instances.status_code
        if as_rows.status_code != 200:
            continue
        assert as_rows.json() == as_instances.json(), f"{url} as {user.username}"
        compared += len(as_rows.json()["results"])
    assert compared > 0


@pytest.mark.parametrize("url", ROW_LISTS)
def test_pages_found_by_ids_keep_the_lists_order(demo, db, url, monkeypatch):
    admin = client_for(User.objects.get(username="admin"))
    for ordering in ["", "-updated_at", "created_at"]:
        pages = []
        for page in (1, 2, 3):
            response = admin.get(url, {"page_size": 3, "page": page, "ordering": ordering})
            if response.status_code == 404:
                break
            pages.append(response.json())
        with monkeypatch.context() as patch:
            patch.setattr(RowListMixin, "list", mixins.ListModelMixin.list)
            expected = [admin.get(url, {"page_size": 3, "page": n + 1, "ordering": ordering}).json()
                        for n in range(len(pages))]
        assert pages == expected and len(pages) >= 2


def test_an_event_without_an_actor_names_none(demo, db):
    """It read "<method-wrapper '__str__' of NoneType object …>" before lists were read as rows."""
    admin = client_for(User.objects.get(username="admin"))
    claim = Claim.objects.order_by("pk").first()
    events = admin.get(f"/api/v1/claims/{claim.pk}/").json()["events"]
    assert events[-1]["action"] == "note" and events[-1]["actor"] is None
    assert all(event["actor"] for event in events[:-1])


def test_list_queries_do_not_grow_with_the_page(demo, db, django_assert_max_num_queries):
    admin = client_for(User.objects.get(username="admin"))
    for url, most in [(ROW_LISTS[0], 5), (ROW_LISTS[1], 9), (ROW_LISTS[2], 11), (ROW_LISTS[3], 12),
                      (ROW_LISTS[4], 14)]:
        # session, user, count, page; then one query per nested list and per model of related rows
        with django_assert_max_num_queries(most):
            assert admin.get(url, {"page_size": 500}).status_code == 200


class Undeclared(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "overdue"]

    def get_overdue(self, obj) -> bool:
        return False


class Declared(Undeclared):
    @row_reads("status", "deadline", "institution", "events.actor")
    def get_overdue(self, obj) -> bool:
        return (obj.status, obj.deadline, obj.institution.name, [e.actor for e in obj.events.all()])


def test_a_method_must_declare_what_it_reads(db):
    with pytest.raises(Exception, match=r"Undeclared.overdue .*@row_reads"):
        RowReader(Undeclared)


def test_a_method_gets_what_it_declared(demo, db):
    reader = RowReader(Declared)
    finding = Finding.objects.filter(events__isnull=False).order_by("pk").first()
    (row,) = reader.read([finding.pk], {})
    status, deadline, home, actors = row["overdue"]
    assert (status, deadline, home) == (finding.status, finding.deadline, finding.institution.name)
    assert sorted(actor.pk for actor in actors if actor) == sorted(
        event.actor_id for event in finding.events.all() if event.actor_id)
