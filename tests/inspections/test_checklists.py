"""Checklist templates: the national list shipped by the data migration, local versions (copy →
edit → publish) and their refusals, the joint list per department (一表通查), who sees which
version, and the pages and API that show them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Department, Role
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from inspections import checklist_data
from inspections import checklists as services
from inspections.checklist_selectors import (
    combined_items,
    current_template,
    template_detail_for,
    templates_for,
)
from inspections.choices import ClauseSource, TemplateStatus
from inspections.models import ChecklistItem, ChecklistTemplate
from tests.conftest import client_for
from tests.factories import make_user
from tests.pages import as_user

pytestmark = pytest.mark.django_db
NINE_PROTECTIONS = ["噎食", "食品药品误食", "压疮", "烫伤", "坠床", "跌倒", "走失", "他伤和自伤", "文娱活动意外"]
MAJOR_HAZARD_CATEGORIES = [
    "重大事故隐患：重要设施设备存在严重缺陷",
    "重大事故隐患：安全生产相关资格资质不符合法定要求",
    "重大事故隐患：日常管理存在严重问题",
    "重大事故隐患：严重违法违规提供服务",
    "重大事故隐患：其他",
]


@pytest.fixture
def shipped():
    """The national template the data migration installed."""
    return ChecklistTemplate.objects.get(code="joint-safety", version=1)


@pytest.fixture
def people(iw):
    """iw's users plus a county regulator of 天河, an insurer and a second city regulator."""
    iw.county_regulator = make_user(Role.REGULATOR, region_code="440106")
    iw.insurer = make_user(Role.INSURER)
    iw.sz_regulator = make_user(Role.REGULATOR, region_code="440300")
    return iw


def gz_draft(people, shipped, **kwargs):
    return services.copy_template(actor=people.regulator, template_id=shipped.pk, **kwargs)


def item_kwargs(item: ChecklistItem, **changes) -> dict:
    return {name: getattr(item, name) for name in services.ITEM_FIELDS} | changes


# --- the shipped template ------------------------------------------------------------------------


def test_shipped_template_is_the_published_national_joint_list(shipped):
    assert shipped.region is None
    assert shipped.status == TemplateStatus.PUBLISHED and shipped.published_at is not None
    assert shipped.name == "养老机构安全检查表（一表通查）"
    counts = {source: shipped.items.filter(source=source).count() for source in ClauseSource.values}
    assert counts == {ClauseSource.GB38600: 42, ClauseSource.MAJOR_HAZARD: 16, ClauseSource.FIRE: 18,
                      ClauseSource.LOCAL: 0}
    assert shipped.items.count() == len(checklist_data.ITEMS) == 76


def test_every_item_has_a_clause_of_its_source_and_an_owning_department(shipped):
    prefixes = {ClauseSource.GB38600: "GB 38600-2019 第", ClauseSource.MAJOR_HAZARD: "民办发〔2023〕13号",
                ClauseSource.FIRE: "民发〔2023〕37号"}
    for item in shipped.items.all():
        assert item.clause.startswith(prefixes[item.source]), item.code
        assert item.department in Department.values, item.code
        assert item.text and item.guidance and item.section, item.code
    # Every partner department of a joint inspection owns something to check.
    assert set(shipped.items.values_list("department", flat=True)) == set(Department.values)


def test_codes_are_unique_and_follow_their_source(shipped):
    codes = list(shipped.items.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    for item in shipped.items.all():
        expected = {ClauseSource.GB38600: r"GB-\d(\.\d)?-\d+", ClauseSource.MAJOR_HAZARD: r"(MH-[1-5]-\d+|RC-\d+)",
                    ClauseSource.FIRE: r"(FS|RC)-\d+"}[item.source]
        assert re.fullmatch(expected, item.code), item.code


def test_each_of_the_nine_protections_has_items_citing_its_clause(shipped):
    for number, protection in enumerate(NINE_PROTECTIONS, start=1):
        items = shipped.items.filter(section=f"九防：防{protection}")
        assert items.count() >= 2, protection
        assert {item.clause for item in items} == {f"GB 38600-2019 第6.{number}条"}


def test_basic_requirements_and_pre_admission_assessment_are_covered(shipped):
    texts = " ".join(shipped.items.filter(source=ClauseSource.GB38600).values_list("text", flat=True))
    for phrase in ("GB 2894", "培训合格后上岗", "昼夜巡查", "交接班", "个人信息和监控内容保密", "入住前进行服务安全风险评估",
                   "安全员", "应急预案"):
        assert phrase in texts, phrase


def test_every_major_hazard_category_has_major_hazard_items(shipped):
    for category in MAJOR_HAZARD_CATEGORIES:
        items = shipped.items.filter(section=category)
        assert items.exists(), category
        assert all(item.is_major_hazard and item.clause.startswith("民办发〔2023〕13号") for item in items), category
    # Major hazards are exactly the 13号 situations: nothing else carries the flag.
    assert set(shipped.items.filter(is_major_hazard=True).values_list("section", flat=True)) == set(
        MAJOR_HAZARD_CATEGORIES
    )
    building = shipped.items.get(code="MH-1-1")
    assert "C级、D级危房" in building.text and building.department == Department.HOUSING
    assert building.clause == "民办发〔2023〕13号 第四条第（一）项"


def test_licences_and_equipment_belong_to_their_departments(shipped):
    by_text = {item.text: item for item in shipped.items.filter(source=ClauseSource.MAJOR_HAZARD)}
    canteen = next(item for text, item in by_text.items() if "食品经营许可证" in text)
    medical = next(item for text, item in by_text.items() if "医疗机构执业许可证" in text)
    equipment = next(item for text, item in by_text.items() if "电梯、锅炉、氧气管道" in text)
    sandwich = next(item for text, item in by_text.items() if "彩钢板" in text)
    assert canteen.department == Department.MARKET_REGULATION
    assert medical.department == Department.HEALTH
    assert equipment.department == Department.MARKET_REGULATION
    assert sandwich.department == Department.FIRE_RESCUE


def test_fire_rules_cover_duty_drills_and_evacuation_of_residents_who_cannot_walk(shipped):
    fire = {item.code: item for item in shipped.items.filter(source=ClauseSource.FIRE)}
    assert all(item.department == Department.FIRE_RESCUE for item in fire.values())
    assert "24小时双人值班" in fire["FS-3"].text and "消防设施操作员" in fire["FS-3"].text
    assert "每半年" in fire["FS-11"].text
    assert "不能自主疏散" in fire["FS-10"].text
    assert "电动自行车" in fire["FS-13"].text and "明火" in shipped.items.get(code="MH-3-4").text
    patrols = {item.code: item.text for item in shipped.items.filter(section="日巡查与月检查")}
    assert "每日开展防火巡查" in patrols["RC-1"] and "每月至少开展一次防火检查" in patrols["RC-2"]


def test_installing_again_changes_nothing_but_restores_edited_text(shipped):
    published_at = shipped.published_at
    ChecklistItem.objects.filter(template=shipped, code="FS-11").update(text="改过的")
    checklist_data.install(ChecklistTemplate, ChecklistItem, now=timezone.now())
    shipped.refresh_from_db()
    assert ChecklistTemplate.objects.filter(code="joint-safety").count() == 1
    assert shipped.items.count() == len(checklist_data.ITEMS)
    assert shipped.published_at == published_at
    assert "每半年" in shipped.items.get(code="FS-11").text


# --- copy → edit → publish -------------------------------------------------------------------------


def test_a_regulator_copies_the_national_list_into_a_draft_of_their_city(people, shipped):
    draft = gz_draft(people, shipped)
    assert draft.status == TemplateStatus.DRAFT and draft.published_at is None
    assert draft.region_id == "440100" and draft.code == "joint-safety-440100" and draft.version == 1
    assert draft.based_on == shipped and draft.created_by == people.regulator
    assert "广州" in draft.name
    assert list(draft.items.values_list("code", "text", "department")) == list(
        shipped.items.values_list("code", "text", "department")
    )
    # The national list itself is untouched.
    assert shipped.items.count() == len(checklist_data.ITEMS)


def test_edit_and_publish_a_draft_then_a_second_version_retires_the_first(people, shipped):
    draft = gz_draft(people, shipped, name="广州市养老机构安全检查表")
    item = draft.items.get(code="FS-11")
    services.update_item(actor=people.regulator, item_id=item.pk, **item_kwargs(item, text="每季度至少组织一次消防演练。"))
    added = services.add_item(
        actor=people.regulator, template_id=draft.pk, code="GZ-1", section="地方要求", text="安装燃气自动切断装置。",
        clause="广州市地方规定", department=Department.HOUSING,
    )
    assert added.order > max(draft.items.exclude(pk=added.pk).values_list("order", flat=True))
    assert added.source == ClauseSource.LOCAL
    services.remove_item(actor=people.regulator, item_id=draft.items.get(code="GB-4.6-1").pk)
    published = services.publish_template(actor=people.regulator, template_id=draft.pk)
    assert published.status == TemplateStatus.PUBLISHED and published.published_at is not None
    assert published.items.get(code="FS-11").text == "每季度至少组织一次消防演练。"
    assert not published.items.filter(code="GB-4.6-1").exists()

    second = services.copy_template(actor=people.regulator, template_id=published.pk)
    assert (second.code, second.version, second.based_on_id) == ("joint-safety-440100", 2, published.pk)
    assert second.name == "广州市养老机构安全检查表"
    services.publish_template(actor=people.regulator, template_id=second.pk)
    published.refresh_from_db()
    assert published.status == TemplateStatus.RETIRED
    shipped.refresh_from_db()
    assert shipped.status == TemplateStatus.PUBLISHED  # another region's (the nation's) list stays


def test_published_versions_are_never_edited(people, shipped):
    published = services.publish_template(actor=people.regulator, template_id=gz_draft(people, shipped).pk)
    item = published.items.first()
    for attempt in (
        lambda: services.update_item(actor=people.regulator, item_id=item.pk, **item_kwargs(item, text="x")),
        lambda: services.remove_item(actor=people.regulator, item_id=item.pk),
        lambda: services.add_item(actor=people.regulator, template_id=published.pk, code="X", section="s", text="t",
                                  clause="c", department=Department.HEALTH),
        lambda: services.publish_template(actor=people.regulator, template_id=published.pk),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.status_code == 409 and refused.value.code == "checklist_not_draft"
    # The national list is the administrators': published, it is refused the same way.
    national_item = shipped.items.first()
    with pytest.raises(Conflict):
        services.update_item(actor=people.admin, item_id=national_item.pk, **item_kwargs(national_item, text="x"))
    assert ChecklistItem.objects.get(pk=item.pk).text == item.text


def test_one_draft_at_a_time_and_drafts_are_not_copied(people, shipped):
    draft = gz_draft(people, shipped)
    with pytest.raises(Conflict) as refused:
        gz_draft(people, shipped)
    assert refused.value.code == "checklist_draft_exists" and refused.value.fields["draft"] == [str(draft.pk)]
    with pytest.raises(Conflict):
        services.copy_template(actor=people.admin, template_id=draft.pk)


def test_other_regions_and_out_of_reach_templates_answer_not_found(people, shipped):
    draft = gz_draft(people, shipped)
    item = draft.items.first()
    with pytest.raises(NotFound):
        services.update_item(actor=people.far_regulator, item_id=item.pk, **item_kwargs(item, text="x"))
    with pytest.raises(NotFound):
        services.publish_template(actor=people.far_regulator, template_id=draft.pk)
    with pytest.raises(NotFound):  # a draft of the city is not the county's to change or copy
        services.remove_item(actor=people.county_regulator, item_id=item.pk)
    with pytest.raises(NotFound):
        services.copy_template(actor=people.county_regulator, template_id=draft.pk)
    published = services.publish_template(actor=people.regulator, template_id=draft.pk)
    with pytest.raises(NotFound):  # 安康 never sees 广州's list
        services.copy_template(actor=people.far_regulator, template_id=published.pk)
    with pytest.raises(NotFound):
        services.add_item(actor=people.regulator, template_id=10**9, code="X", section="s", text="t", clause="c",
                          department=Department.HEALTH)
    assert draft.items.count() == len(checklist_data.ITEMS)


def test_roles_that_do_not_keep_templates_are_refused(people, shipped):
    for user in (people.institution, people.insurer, people.inspector):
        with pytest.raises(NotAllowed) as refused:
            services.copy_template(actor=user, template_id=shipped.pk)
        assert refused.value.status_code == 403
    draft = gz_draft(people, shipped)
    with pytest.raises(NotAllowed):
        services.publish_template(actor=people.inspector, template_id=draft.pk)
    assert ChecklistTemplate.objects.get(pk=draft.pk).status == TemplateStatus.DRAFT


def test_a_county_builds_on_its_citys_published_version(people, shipped):
    city = services.publish_template(actor=people.regulator, template_id=gz_draft(people, shipped).pk)
    county = services.copy_template(actor=people.county_regulator, template_id=city.pk)
    assert (county.code, county.region_id, county.based_on_id) == ("joint-safety-440106", "440106", city.pk)
    # The city regulator may work on the county's draft (their region and below), 深圳 may not.
    services.update_template(actor=people.regulator, template_id=county.pk, name="天河区检查表")
    with pytest.raises(NotFound):
        services.update_template(actor=people.sz_regulator, template_id=county.pk, name="x")


def test_item_codes_stay_unique_and_empty_drafts_are_not_published(people, shipped):
    draft = gz_draft(people, shipped)
    with pytest.raises(ValidationFailed) as refused:
        services.add_item(actor=people.regulator, template_id=draft.pk, code="FS-1", section="s", text="t",
                          clause="c", department=Department.HEALTH)
    assert "code" in refused.value.fields
    item = draft.items.get(code="FS-2")
    with pytest.raises(ValidationFailed):
        services.update_item(actor=people.regulator, item_id=item.pk, **item_kwargs(item, code="FS-1"))
    for each in list(draft.items.all()):
        services.remove_item(actor=people.regulator, item_id=each.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.publish_template(actor=people.regulator, template_id=draft.pk)
    assert refused.value.code == "checklist_empty"


def test_a_discarded_draft_is_gone_and_a_new_copy_may_start(people, shipped):
    draft = gz_draft(people, shipped)
    services.discard_draft(actor=people.regulator, template_id=draft.pk)
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()
    assert not ChecklistItem.objects.filter(template_id=draft.pk).exists()
    assert gz_draft(people, shipped).version == 1


# --- the joint list and who sees what --------------------------------------------------------------------


def test_combined_items_keep_the_departments_items_in_order_by_section(checklist):
    fire = combined_items(checklist, [Department.FIRE_RESCUE])
    assert [(g.section, [i.code for i in g.items]) for g in fire] == [("消防安全", ["FS-1", "FS-2"])]
    joint = combined_items(checklist, [Department.CIVIL_AFFAIRS, Department.HOUSING])
    assert [(g.section, [i.code for i in g.items]) for g in joint] == [
        ("基本要求", ["BR-1"]), ("九防", ["NP-1"]), ("重大事故隐患", ["MH-1"])
    ]
    assert joint[2].major_count == 1
    assert sum(len(g.items) for g in combined_items(checklist)) == 5
    assert combined_items(checklist, []) == []


def test_combined_items_of_the_shipped_list_for_market_regulation(shipped):
    groups = combined_items(shipped, [Department.MARKET_REGULATION])
    items = [item for group in groups for item in group.items]
    assert {item.department for item in items} == {Department.MARKET_REGULATION}
    assert {"MH-1-5", "MH-2-2", "MH-2-3", "GB-4.1-2"} <= {item.code for item in items}
    assert [item.order for item in items] == sorted(item.order for item in items)
    assert len({group.section for group in groups}) == len(groups)


def test_combined_items_read_the_prefetched_items_without_queries(people, shipped, django_assert_num_queries):
    template = template_detail_for(people.regulator, shipped.pk)
    with django_assert_num_queries(0):
        combined_items(template, [Department.HEALTH])
        combined_items(template, [Department.FIRE_RESCUE, Department.HOUSING])


def test_who_sees_which_template(people, shipped):
    city_draft = gz_draft(people, shipped)
    assert set(templates_for(people.regulator)) >= {shipped, city_draft}
    # The county inspector and regulator use the national list; the city's draft is not theirs yet.
    for user in (people.inspector2, people.county_regulator):
        assert shipped in templates_for(user) and city_draft not in templates_for(user)
    assert city_draft not in templates_for(people.inspector)  # inspectors never see drafts
    city = services.publish_template(actor=people.regulator, template_id=city_draft.pk)
    assert city in templates_for(people.inspector2) and city in templates_for(people.county_regulator)
    assert city not in templates_for(people.far_regulator) and shipped in templates_for(people.far_regulator)
    county_draft = services.copy_template(actor=people.county_regulator, template_id=city.pk)
    assert county_draft in templates_for(people.regulator)  # below the city
    for user in (people.institution, people.insurer):
        assert not templates_for(user).exists()
    counted = templates_for(people.regulator).get(pk=shipped.pk)
    assert counted.item_count == 76 and counted.major_count == 15


def test_current_template_is_the_nearest_published_local_version(people, shipped):
    assert current_template("440106") == shipped
    city = services.publish_template(actor=people.regulator, template_id=gz_draft(people, shipped).pk)
    assert current_template("440106") == city and current_template("440100") == city
    assert current_template("440305") == shipped and current_template(None) == shipped
    county = services.publish_template(
        actor=people.county_regulator,
        template_id=services.copy_template(actor=people.county_regulator, template_id=city.pk).pk,
    )
    assert current_template("440106") == county and current_template("440104") == city


# --- pages ---------------------------------------------------------------------------------------------------


def page_text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(("role", "status"), [("regulator", 200), ("inspector", 200), ("admin", 200),
                                              ("institution", 403), ("insurer", 403)])
def test_list_and_detail_pages_per_role(web, people, shipped, role, status):
    as_user(web, getattr(people, role))
    listing = web.get("/checklists/")
    detail = web.get(f"/checklists/{shipped.pk}/")
    assert listing.status_code == status and detail.status_code == status
    if status == 200:
        assert "养老机构安全检查表（一表通查）" in page_text(listing)
        assert f'data-checklist="{shipped.pk}"' in page_text(listing)


def test_signed_out_visitors_are_sent_to_sign_in(web, shipped):
    response = web.get(f"/checklists/{shipped.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_shows_items_by_section_with_clause_department_and_major_badge(web, people, shipped):
    html = page_text(as_user(web, people.regulator).get(f"/checklists/{shipped.pk}/"))
    assert "重大事故隐患：重要设施设备存在严重缺陷" in html and "九防：防走失" in html
    assert "民办发〔2023〕13号 第四条第（一）项" in html
    assert html.count('data-badge="major-hazard"') == 15
    assert html.count('class="list-group-item checklist-item"') == 76
    assert "Copy to a local version" in html and 'id="edit"' not in html


def test_department_filter_shows_the_joint_list_of_those_departments(web, people, shipped):
    html = page_text(as_user(web, people.inspector).get(
        f"/checklists/{shipped.pk}/?department=fire_rescue&department=housing"
    ))
    shown = re.findall(r'data-department="([a-z_]+)"', html)
    assert set(shown) == {"fire_rescue", "housing"}
    assert len(shown) == shipped.items.filter(department__in=["fire_rescue", "housing"]).count()
    assert "内设食堂的，依法取得食品经营许可证" not in html and "C级、D级危房" in html
    assert "Copy to a local version" not in html  # inspectors read only


def test_out_of_region_drafts_are_not_found(web, people, shipped):
    draft = gz_draft(people, shipped)
    assert as_user(web, people.far_regulator).get(f"/checklists/{draft.pk}/").status_code == 404
    assert web.get(f"/checklists/{draft.pk}/edit/").status_code == 404
    assert as_user(web, people.inspector).post(f"/checklists/{shipped.pk}/copy/").status_code == 403


def test_copy_edit_and_publish_through_the_pages(web, people, shipped):
    as_user(web, people.regulator)
    response = web.post(f"/checklists/{shipped.pk}/copy/", {"name": "广州市检查表"})
    draft = ChecklistTemplate.objects.get(code="joint-safety-440100")
    assert response.status_code == 302 and response["Location"] == f"/checklists/{draft.pk}/edit/"
    assert draft.name == "广州市检查表"
    editor = page_text(web.get(f"/checklists/{draft.pk}/edit/"))
    assert "Add an item" in editor and editor.count('data-remove="') == 76

    new_item = {"code": "GZ-1", "section": "地方要求", "order": "", "text": "养老机构安装燃气自动切断装置。",
                "guidance": "现场查看", "source": "local", "clause": "广州市地方规定", "department": "housing"}
    added = web.post(f"/checklists/{draft.pk}/items/new/", new_item)
    assert added.status_code == 302
    assert draft.items.get(code="GZ-1").department == Department.HOUSING
    duplicate = web.post(f"/checklists/{draft.pk}/items/new/", new_item)
    assert duplicate.status_code == 400
    assert 'data-error-for="code"' in page_text(duplicate)

    item = draft.items.get(code="FS-11")
    form = page_text(web.get(f"/checklists/{draft.pk}/items/{item.pk}/edit/"))
    assert "至少每半年组织一次消防演练" in form
    saved = web.post(f"/checklists/{draft.pk}/items/{item.pk}/edit/", item_kwargs(item, text="每季度组织一次消防演练。",
                                                                                   is_major_hazard="on"))
    assert saved.status_code == 302
    item.refresh_from_db()
    assert item.text == "每季度组织一次消防演练。" and item.is_major_hazard
    removed = web.post(f"/checklists/{draft.pk}/items/{draft.items.get(code='GB-4.6-1').pk}/remove/")
    assert removed.status_code == 302 and not draft.items.filter(code="GB-4.6-1").exists()

    published = web.post(f"/checklists/{draft.pk}/publish/")
    assert published.status_code == 302 and published["Location"] == f"/checklists/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.PUBLISHED
    # A published version's editor sends the reader back to the (read-only) template page.
    assert web.get(f"/checklists/{draft.pk}/edit/")["Location"] == f"/checklists/{draft.pk}/"
    assert web.post(f"/checklists/{draft.pk}/items/{item.pk}/remove/").status_code == 302
    assert draft.items.filter(pk=item.pk).exists()


def test_copying_twice_leads_to_the_draft_already_open(web, people, shipped):
    draft = gz_draft(people, shipped)
    response = as_user(web, people.regulator).post(f"/checklists/{shipped.pk}/copy/")
    assert response["Location"] == f"/checklists/{draft.pk}/edit/"
    assert ChecklistTemplate.objects.filter(code="joint-safety-440100").count() == 1


def test_list_filters(web, people, shipped):
    draft = gz_draft(people, shipped)
    as_user(web, people.regulator)
    drafts = page_text(web.get("/checklists/?status=draft"))
    assert f'data-checklist="{draft.pk}"' in drafts and f'data-checklist="{shipped.pk}"' not in drafts
    assert f'data-checklist="{shipped.pk}"' in page_text(web.get("/checklists/?q=joint-safety&department=health"))
    assert "No checklists match these filters." in page_text(web.get("/checklists/?q=nothing-like-this"))
    listing = page_text(web.get("/checklists/"))
    assert listing.index(f'data-checklist="{shipped.pk}"') < listing.index(f'data-checklist="{draft.pk}"')


def test_discarding_a_draft_through_the_page(web, people, shipped):
    draft = gz_draft(people, shipped)
    assert as_user(web, people.inspector).post(f"/checklists/{draft.pk}/discard/").status_code == 403
    assert as_user(web, people.far_regulator).post(f"/checklists/{draft.pk}/discard/").status_code == 404
    response = as_user(web, people.regulator).post(f"/checklists/{draft.pk}/discard/")
    assert response.status_code == 302 and response["Location"] == "/checklists/"
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()
    # The national list cannot be discarded: it is published.
    as_user(web, people.admin).post(f"/checklists/{shipped.pk}/discard/")
    assert ChecklistTemplate.objects.filter(pk=shipped.pk, status=TemplateStatus.PUBLISHED).exists()


# --- API -------------------------------------------------------------------------------------------------------


def test_api_lists_templates_with_their_items(people, shipped):
    body = client_for(people.regulator).get("/api/v1/checklists/?code=joint-safety").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["region"] is None and row["status"] == "published" and row["version"] == 1
    assert row["item_count"] == 76 and row["major_hazard_count"] == 15 and len(row["items"]) == 76
    first = row["items"][0]
    assert set(first) >= {"code", "section", "order", "text", "guidance", "source", "source_display", "clause",
                          "department", "department_display", "is_major_hazard"}
    assert [item["order"] for item in row["items"]] == sorted(item["order"] for item in row["items"])


def test_api_filters_and_the_joint_list_of_departments(people, shipped):
    draft = gz_draft(people, shipped)
    client = client_for(people.regulator)
    assert [r["id"] for r in client.get("/api/v1/checklists/?status=draft").json()["results"]] == [draft.pk]
    assert [r["id"] for r in client.get("/api/v1/checklists/?region=440100").json()["results"]] == [draft.pk]
    national = client.get("/api/v1/checklists/?national=true").json()["results"]
    assert shipped.pk in [r["id"] for r in national] and draft.pk not in [r["id"] for r in national]
    joint = client.get(f"/api/v1/checklists/{shipped.pk}/?department=health&department=housing").json()
    assert {item["department"] for item in joint["items"]} == {"health", "housing"}
    assert len(joint["items"]) == shipped.items.filter(department__in=["health", "housing"]).count()
    refused = client.get("/api/v1/checklists/?department=police")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"


def test_api_scope(people, shipped):
    draft = gz_draft(people, shipped)
    assert client_for(people.far_regulator).get(f"/api/v1/checklists/{draft.pk}/").status_code == 404
    assert client_for(people.inspector).get(f"/api/v1/checklists/{draft.pk}/").status_code == 404
    for user in (people.institution, people.insurer):
        client = client_for(user)
        assert client.get("/api/v1/checklists/").json()["count"] == 0
        assert client.get(f"/api/v1/checklists/{shipped.pk}/").status_code == 404


def test_api_list_queries_do_not_grow_with_templates(people, shipped, django_assert_max_num_queries):
    client = client_for(people.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/checklists/").status_code == 200
        return len(context)

    few = queries()
    city = services.publish_template(actor=people.regulator, template_id=gz_draft(people, shipped).pk)
    services.copy_template(actor=people.regulator, template_id=city.pk)
    services.copy_template(actor=people.sz_regulator, template_id=shipped.pk)
    assert queries() == few
    with django_assert_max_num_queries(6):
        client.get(f"/api/v1/checklists/{shipped.pk}/")
