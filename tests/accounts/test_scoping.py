import pytest

from accounts.choices import Role
from accounts.scoping import mask, region_in_scope, region_prefix, region_q, scope_q, sees_personal_data
from institutions.models import Institution, Practitioner
from tests.factories import InstitutionFactory, PractitionerFactory, make_user, region


@pytest.mark.parametrize(
    "code, prefix",
    [("440000", "44"), ("440100", "4401"), ("440106", "440106"), ("419001", "419001"), ("110100", "1101")],
)
def test_region_prefix(code, prefix):
    assert region_prefix(code) == prefix


def test_region_q_is_a_half_open_range():
    assert region_q("region", "440000") == region_q("region", "440000")
    q = region_q("region", "449900")
    assert dict(q.children) == {"region__gte": "4499", "region__lt": "4500"}
    assert dict(region_q("region", "440106").children) == {"region": "440106"}


@pytest.mark.django_db
def test_region_roles_see_their_subtree_only():
    tianhe = InstitutionFactory(region=region("440106"))
    yuexiu = InstitutionFactory(region=region("440104"))
    shenzhen = InstitutionFactory(region=region("440304"))
    hanbin = InstitutionFactory(region=region("610902"))
    jiyuan = InstitutionFactory(region=region("419001"))  # county directly under 河南省

    def visible(user):
        return set(Institution.objects.filter(scope_q(user, Institution)))

    assert visible(make_user(Role.REGULATOR, region_code="440000")) == {tianhe, yuexiu, shenzhen}
    assert visible(make_user(Role.REGULATOR, region_code="440100")) == {tianhe, yuexiu}
    assert visible(make_user(Role.INSPECTOR, region_code="440106")) == {tianhe}
    assert visible(make_user(Role.REGULATOR, region_code="610900")) == {hanbin}
    assert visible(make_user(Role.REGULATOR, region_code="410000")) == {jiyuan}
    assert visible(make_user(Role.ADMIN)) == {tianhe, yuexiu, shenzhen, hanbin, jiyuan}


@pytest.mark.django_db
def test_institution_and_insurer_scopes(world):
    other_job = PractitionerFactory(institution=world.ak_home)
    own_job = PractitionerFactory(institution=world.gz_home)
    assert list(Institution.objects.filter(scope_q(world.gz_institution, Institution))) == [world.gz_home]
    assert list(Practitioner.objects.filter(scope_q(world.gz_institution, Practitioner))) == [own_job]
    assert list(Practitioner.objects.filter(scope_q(world.ak_regulator, Practitioner))) == [other_job]
    # Institutions declare no insurer path yet: an insurer sees none of them.
    assert not Institution.objects.filter(scope_q(world.insurer, Institution)).exists()


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    world.gz_regulator.is_active = False
    assert not Institution.objects.filter(scope_q(world.gz_regulator, Institution)).exists()
    assert not Institution.objects.filter(scope_q(AnonymousUser(), Institution)).exists()


@pytest.mark.django_db
def test_region_in_scope(world):
    assert region_in_scope(world.gz_regulator, "440106")
    assert not region_in_scope(world.gz_regulator, "440304")
    assert not region_in_scope(world.gz_regulator, "610902")
    assert region_in_scope(world.admin, "610902")
    assert not region_in_scope(world.gz_institution, "440106")


@pytest.mark.django_db
def test_personal_data_visibility(world):
    assert sees_personal_data(world.gz_regulator)
    assert sees_personal_data(world.gz_institution)
    assert not sees_personal_data(world.gz_inspector)
    assert not sees_personal_data(world.insurer)


def test_mask():
    assert mask("11010519491231002X") == "110***********002X"
    assert mask("13800138000") == "138****8000"
    assert mask("") == ""
    assert mask("1234") == "****"


@pytest.mark.django_db
def test_a_path_across_a_to_many_relation_does_not_repeat_rows(world):
    from institutions.models import Person
    from tests.factories import InstitutionFactory

    second_home = InstitutionFactory(region=region("440104"))
    job = PractitionerFactory(institution=world.gz_home)
    PractitionerFactory(institution=second_home, person=job.person)
    assert list(Person.objects.filter(scope_q(world.gz_regulator, Person))) == [job.person]
