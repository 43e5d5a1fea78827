import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from institutions.models import Institution, Person
from institutions.validators import validate_id_number, validate_uscc
from tests.factories import InstitutionFactory, make_id_number, make_uscc, region

pytestmark = pytest.mark.django_db


def test_uscc_check_digit():
    good = make_uscc("610902")
    validate_uscc(good)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="GB 32100"):
        validate_uscc(bad)
    with pytest.raises(ValidationError):
        validate_uscc("12345")


def test_id_number_check_digit():
    good = make_id_number()
    validate_id_number(good)
    with pytest.raises(ValidationError, match="GB 11643"):
        validate_id_number(good[:-1] + ("1" if good[-1] != "1" else "2"))


@pytest.mark.parametrize(
    "field, value",
    [("beds_nursing", 121), ("beds_in_use", 121)],
)
def test_bed_counts_cannot_exceed_total_in_the_database(field, value):
    home = InstitutionFactory(beds_total=120)
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.filter(pk=home.pk).update(**{field: value})


def test_bed_counts_are_reported_on_their_field():
    home = InstitutionFactory.build(region=region("440106"), beds_total=10, beds_nursing=11, beds_in_use=12)
    with pytest.raises(ValidationError) as exc:
        home.full_clean()
    assert set(exc.value.message_dict) >= {"beds_nursing", "beds_in_use"}
    assert "__all__" not in exc.value.message_dict  # the DB constraints are not reported twice


def test_level_must_be_1_to_5_in_the_database():
    home = InstitutionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.filter(pk=home.pk).update(level=6)


def test_region_must_be_county_level():
    home = InstitutionFactory.build(region=region("440100"))
    with pytest.raises(ValidationError) as exc:
        home.full_clean()
    assert "region" in exc.value.message_dict
    InstitutionFactory.build(region=region("441900")).full_clean()  # 东莞: a city without counties


def test_filed_needs_a_date_and_level_needs_a_rating_date():
    home = InstitutionFactory.build(region=region("440106"), filing_status="filed", level=3)
    with pytest.raises(ValidationError) as exc:
        home.full_clean()
    assert {"filed_on", "level_rated_on"} <= set(exc.value.message_dict)


def test_uscc_and_id_number_are_unique():
    home = InstitutionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionFactory(uscc=home.uscc)
    number = make_id_number()
    Person.objects.create(name="甲", id_number=number)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="乙", id_number=number)
