import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from config.errors import NotAllowed, NotFound, PreconditionFailed, ValidationFailed
from institutions import services
from institutions.models import Institution, Person
from tests.factories import InstitutionFactory, PractitionerFactory, make_id_number, make_uscc, make_user, region

pytestmark = pytest.mark.django_db


def new_home_data(region_code="440106", **overrides):
    data = {
        "uscc": make_uscc(region_code),
        "name": "新建颐养院",
        "region": region(region_code),
        "type": "nursing_home",
        "nature": "for_profit",
        "operation_model": "private",
        "address": "天河北路100号",
        "beds_total": 80,
        "beds_nursing": 50,
        "beds_in_use": 40,
    }
    return data | overrides


def test_regulator_registers_in_own_region(world):
    home = services.create_institution(actor=world.gz_regulator, data=new_home_data())
    assert home.pk and home.version == 1


def test_regulator_cannot_register_outside_region(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_institution(actor=world.gz_regulator, data=new_home_data("610902"))
    assert "region" in exc.value.fields
    assert not Institution.objects.filter(name="新建颐养院").exists()


@pytest.mark.parametrize("who", ["gz_inspector", "gz_institution", "insurer"])
def test_only_the_bureau_registers(world, who):
    with pytest.raises(NotAllowed):
        services.create_institution(actor=getattr(world, who), data=new_home_data())


def test_invalid_data_is_refused_with_field_messages(world):
    with pytest.raises(ValidationError) as exc:
        services.create_institution(actor=world.gz_regulator, data=new_home_data(uscc="91440106MA5ABCDE01"))
    assert "uscc" in exc.value.message_dict


def test_unknown_fields_are_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_institution(actor=world.admin, data=new_home_data(credit_grade="A"))
    assert "credit_grade" in exc.value.fields


def test_institution_keeps_its_own_contact_and_size(world):
    home = services.update_institution(
        actor=world.gz_institution, institution_id=world.gz_home.pk,
        data={"contact_person": "李主任", "beds_in_use": 100, "name": world.gz_home.name},
    )
    assert (home.contact_person, home.beds_in_use, home.version) == ("李主任", 100, 2)


def test_institution_cannot_change_its_identity(world):
    with pytest.raises(NotAllowed) as exc:
        services.update_institution(actor=world.gz_institution, institution_id=world.gz_home.pk, data={"name": "改名"})
    assert "name" in exc.value.fields
    world.gz_home.refresh_from_db()
    assert world.gz_home.name == "天河康乐养老院"


def test_out_of_scope_is_not_found_for_every_role(world):
    for actor in (world.gz_regulator, world.gz_inspector, world.gz_institution, world.insurer):
        with pytest.raises(NotFound):
            services.update_institution(actor=actor, institution_id=world.ak_home.pk, data={"contact_person": "x"})


def test_inspector_reads_but_may_not_write(world):
    with pytest.raises(NotAllowed):
        services.update_institution(actor=world.gz_inspector, institution_id=world.gz_home.pk, data={"residents": 1})


def test_stale_version_is_refused_and_changes_nothing(world):
    services.update_institution(actor=world.gz_regulator, institution_id=world.gz_home.pk, data={"residents": 10})
    with pytest.raises(PreconditionFailed):
        services.update_institution(
            actor=world.gz_institution, institution_id=world.gz_home.pk, data={"residents": 99}, expected_version=1
        )
    world.gz_home.refresh_from_db()
    assert (world.gz_home.residents, world.gz_home.version) == (10, 2)


def test_a_blacklisted_home_may_not_be_rated(world):
    Institution.objects.filter(pk=world.gz_home.pk).update(is_blacklisted=True)
    with pytest.raises(ValidationFailed) as exc:
        services.update_institution(
            actor=world.gz_regulator, institution_id=world.gz_home.pk,
            data={"level": 3, "level_rated_on": "2026-10-01"},
        )
    assert "level" in exc.value.fields


def test_moving_a_home_out_of_the_regulators_region_is_refused(world):
    with pytest.raises(ValidationFailed):
        services.update_institution(
            actor=world.gz_regulator, institution_id=world.gz_home.pk, data={"region": region("610902")}
        )


def test_deactivation_needs_a_reason_and_the_bureau(world):
    with pytest.raises(ValidationFailed):
        services.set_institution_active(actor=world.gz_regulator, institution_id=world.gz_home.pk, active=False)
    with pytest.raises(NotAllowed):
        services.set_institution_active(
            actor=world.gz_institution, institution_id=world.gz_home.pk, active=False, reason="停业"
        )
    home = services.set_institution_active(
        actor=world.gz_regulator, institution_id=world.gz_home.pk, active=False, reason="停业"
    )
    assert not home.is_active and home.deactivated_on and home.deactivation_reason == "停业"
    home = services.set_institution_active(actor=world.gz_regulator, institution_id=world.gz_home.pk, active=True)
    assert home.is_active and home.deactivated_on is None


def test_a_person_is_found_by_id_number_across_institutions(world):
    number = make_id_number()
    first = services.create_practitioner(
        actor=world.gz_institution, institution_id=world.gz_home.pk, name="王芳", id_number=number,
        data={"role": "caregiver"},
    )
    second = services.create_practitioner(
        actor=world.ak_regulator, institution_id=world.ak_home.pk, name="王芳", id_number=number,
        data={"role": "manager"},
    )
    assert first.person_id == second.person_id
    assert Person.objects.filter(id_number=number).count() == 1


def test_id_number_under_another_name_is_refused(world):
    job = PractitionerFactory(institution=world.gz_home)
    with pytest.raises(ValidationFailed) as exc:
        services.create_practitioner(
            actor=world.gz_regulator, institution_id=world.gz_home.pk, name="别人",
            id_number=job.person.id_number, data={"role": "manager"},
        )
    assert "name" in exc.value.fields


def test_one_current_job_per_role(world):
    job = PractitionerFactory(institution=world.gz_home, role="safety_officer")
    with pytest.raises(ValidationError):
        services.create_practitioner(
            actor=world.gz_regulator, institution_id=world.gz_home.pk, name=job.person.name,
            id_number=job.person.id_number, data={"role": "safety_officer"},
        )
    services.update_practitioner(actor=world.gz_regulator, practitioner_id=job.pk, data={"ended_on": "2026-01-31"})
    again = services.create_practitioner(
        actor=world.gz_regulator, institution_id=world.gz_home.pk, name=job.person.name,
        id_number=job.person.id_number, data={"role": "safety_officer", "started_on": "2026-03-01"},
    )
    assert again.pk != job.pk


def test_staff_of_another_institution_cannot_be_touched(world):
    with pytest.raises(ValidationFailed):
        services.create_practitioner(
            actor=world.gz_institution, institution_id=world.ak_home.pk, name="赵六",
            id_number=make_id_number(), data={"role": "caregiver"},
        )
    other = PractitionerFactory(institution=world.ak_home)
    with pytest.raises(NotFound):
        services.update_practitioner(actor=world.gz_institution, practitioner_id=other.pk, data={"qualification": "x"})
    own = PractitionerFactory(institution=world.gz_home)
    with pytest.raises(NotAllowed):
        services.update_practitioner(actor=world.gz_inspector, practitioner_id=own.pk, data={"qualification": "x"})


def test_job_cannot_end_before_it_starts(world):
    job = PractitionerFactory(institution=world.gz_home, started_on="2025-05-01")
    with pytest.raises(ValidationError) as exc:
        services.update_practitioner(actor=world.gz_regulator, practitioner_id=job.pk, data={"ended_on": "2025-04-01"})
    assert exc.value.messages


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_edits_of_the_same_version_one_wins():
    home = InstitutionFactory(region=region("440106"))
    regulator = make_user("regulator", region_code="440100")
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(value):
        try:
            barrier.wait()
            services.update_institution(
                actor=regulator, institution_id=home.pk, data={"residents": value}, expected_version=1
            )
            outcomes.append("ok")
        except PreconditionFailed:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(value,)) for value in (11, 22)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    home.refresh_from_db()
    assert sorted(outcomes) == ["ok", "stale"]
    assert home.version == 2 and home.residents in (11, 22)
