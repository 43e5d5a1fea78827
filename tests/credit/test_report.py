"""The operation report (运行报告): its text extracted back, the page's download and the command."""

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from credit.report import operation_report_pdf
from tests.credit.test_dashboard import build
from tests.inspections.conftest import checklist  # noqa: F401  (re-exported fixture)
from tests.pages import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(checklist):  # noqa: F811  (the fixture imported above)
    return build(checklist)


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def charts_in(content: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_report_reads_back_in_chinese(gw):
    content, filename = operation_report_pdf(gw.regulator, "440100", gw.year)
    assert filename == f"operation-report-440100-{gw.year}.pdf"
    pages = pages_of(content)
    whole = flat("".join(pages))
    cover = flat(pages[0])
    assert "养老机构安全监管运行报告" in cover and "广州市" in cover and f"{gw.year}年度" in cover
    assert "生成日期" in cover
    assert "目录" in flat(pages[1]) and "五、重大事故隐患" in flat(pages[1])  # the table of contents
    for heading in ("一、总体情况", "二、分地区情况", "三、安全检查", "五、重大事故隐患", "六、逾期未整改",
                    "八、责任保险与理赔", "九、失信联合惩戒对象名单"):
        assert heading in whole
    assert "在册运营养老机构4家" in whole and "赔付2000.00元" in whole  # figures of the fixture
    assert "疏散通道被杂物占用" in whole and "建筑物属于D级危房" in whole and "天河乙养老院" in whole
    assert "消防设施损坏" not in whole  # 汉滨 is not 广州
    assert charts_in(content) == 4  # grades, coverage, findings by grade, hazards by region
    total = len(pages)
    assert total >= 4
    assert f"第1页共{total}页" in cover and f"第{total}页共{total}页" in flat(pages[-1])


def test_a_quarter_and_a_county(gw):
    content, _name = operation_report_pdf(gw.county_regulator, None, gw.year, 4)
    whole = flat("".join(pages_of(content)))
    assert f"{gw.year}年第4季度" in whole and "天河区" in whole and "越秀丙养老院" not in whole


def test_downloaded_from_the_page(client, gw):
    as_user(client, gw.regulator)
    response = client.get(f"/dashboard/report/?region=440106&year={gw.year}&quarter=")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "operation-report-440106" in response["Content-Disposition"]
    assert "天河区" in flat(pages_of(response.content)[0])
    assert client.get(f"/dashboard/report/?region=610900&year={gw.year}").status_code == 404
    assert client.get("/dashboard/report/?year=1800").status_code == 400
    as_user(client, gw.inspector)
    assert client.get(f"/dashboard/report/?year={gw.year}").status_code == 403


def test_the_command_writes_the_file(gw, tmp_path, capsys):
    target = tmp_path / "out" / "report.pdf"
    call_command("operation_report", "--region", "440100", "--year", str(gw.year), "--quarter", "4", "-o", str(target))
    output = capsys.readouterr().out
    assert "绘制图表" in output and "Wrote" in output
    assert f"{gw.year}年第4季度" in flat(pages_of(target.read_bytes())[0])
