"""The demo data set: `manage.py seed_demo` (and `make run`) loads it.

Guangdong (广州, a few in 深圳 and 佛山) and Shaanxi (安康市 and its counties): sixty institutions of
every type, their staff, some special equipment, and the accounts of regulators, inspectors and
institutions (the administrator comes from accounts/demo.py, insurers from insurance/demo.py).

Everything is fictional but shaped like the real thing: identifiers carry valid GB 32100 / GB 11643
check digits, region codes are real GB/T 2260 codes, ID numbers use birth-place codes that were in
force in the birth year (python-stdnum's table).

- **Deterministic.** Institutions, insurers, equipment and accounts are literal tables below. Staff
  are derived from the institution's USCC by SHA-256 (not `random`), so the same people come out on
  every machine and Python version, and editing one row does not reshuffle the others.
- **Dates.** History (taking residents since, filing, level ratings, jobs) is fixed. Dates whose
  meaning depends on today — licence and equipment validity, last training — are offsets from the
  day of seeding, so "one elevator's inspection has expired" stays true whenever you seed.
- **Idempotent.** Records are found by natural key (USCC, ID number, username, insurer code,
  equipment registration number, job = person + institution + role + start) and never changed once
  they exist: a second run creates nothing and touches nothing, and edits made by hand survive.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from stdnum.cn import ric, uscc

from accounts.choices import Department, Role
from accounts.demo import DemoContext, DemoDataError, demo_account
from accounts.jobs import demo_step
from institutions.choices import (
    EquipmentKind,
    FilingStatus,
    InstitutionType,
    MedicalLicence,
    Nature,
    OperationModel,
    PractitionerRole,
)
from institutions.models import Institution, Person, Practitioner, Region, SpecialEquipment
from institutions.services import create_equipment, create_institution, create_practitioner

# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

# Short names for the table columns.
NURSING = InstitutionType.NURSING_HOME  # 养老院
RURAL = InstitutionType.RURAL_HOME  # 敬老院
CENTRAL = InstitutionType.CENTRAL_RURAL_HOME  # 中心敬老院
REGIONAL = InstitutionType.REGIONAL_CENTER  # 区域性养老中心
DAYCARE = InstitutionType.DAY_CARE  # 社区日间照料中心
STATION = InstitutionType.COMMUNITY_STATION  # 居家和社区养老服务站
EMBEDDED = InstitutionType.EMBEDDED_SMALL  # 嵌入式小型养老院
HAPPINESS = InstitutionType.RURAL_HAPPINESS  # 农村幸福院
MEDICAL = InstitutionType.MEDICAL_CARE  # 医养结合机构
PROFIT, NONPROFIT = Nature.FOR_PROFIT, Nature.NON_PROFIT
PUBLIC = OperationModel.PUBLIC  # 公办公营 (USCC 12…: a public institution)
PUB_PRIV = OperationModel.PUBLIC_PRIVATE  # 公建民营 (the operator's USCC: 52… or 91…)
SUBSIDISED = OperationModel.PRIVATE_SUBSIDISED  # 民办公助
PRIVATE = OperationModel.PRIVATE  # 民办
FILED, UNFILED = True, False
NO_MED, MED_LICENCE, MED_FILING = MedicalLicence.NONE, MedicalLicence.LICENCE, MedicalLicence.FILING
CANTEEN, NO_CANTEEN = True, False


class Home(NamedTuple):
    uscc: str  # 12… public institution, 52… social organisation (民办非企业), 91… company
    name: str
    region: str  # county-level GB/T 2260 code
    type: str
    nature: str
    model: str
    beds: tuple[int, int, int]  # total, nursing-type, in use
    since: str  # taking residents since
    filed: bool  # 备案; the filing date follows from `since`
    level: tuple[int, str] | None  # (GB/T 37276 level, rated on)
    medical: str
    canteen: bool  # holds a canteen food licence
    address: str


INSTITUTIONS: list[Home] = [
    # 广州市 ---------------------------------------------------------------------------------
    Home("91440106MA4YQEKE60", "广州市天河区康乐颐养院", "440106", NURSING, PROFIT, PRIVATE,
         (180, 110, 152), "2016-03-18", FILED, (3, "2022-11-08"), MED_FILING, CANTEEN, "广州市天河区龙口西路218号"),
    Home("12440106689684704T", "广州市天河区老人院", "440106", NURSING, NONPROFIT, PUBLIC,
         (260, 168, 231), "1993-06-01", FILED, (4, "2023-06-20"), MED_LICENCE, CANTEEN, "广州市天河区燕岭路356号"),
    Home("52440106MJQ864429Q", "天河区五山街社区日间照料中心", "440106", DAYCARE, NONPROFIT, PUB_PRIV,
         (20, 6, 14), "2018-09-01", FILED, None, NO_MED, NO_CANTEEN, "广州市天河区五山路371号首层"),
    Home("52440106MJY501163J", "天河区石牌街颐康服务站", "440106", STATION, NONPROFIT, PUB_PRIV,
         (12, 4, 9), "2021-10-15", FILED, None, NO_MED, NO_CANTEEN, "广州市天河区石牌东路88号首层"),
    Home("91440106MAYRLDDU56", "天河区棠下街悦年华嵌入式养老院", "440106", EMBEDDED, PROFIT, PRIVATE,
         (45, 27, 38), "2020-05-10", FILED, None, NO_MED, CANTEEN, "广州市天河区中山大道西12号3栋"),
    Home("91440106MAX4HE9N0E", "广州市天河区康宁医养中心", "440106", MEDICAL, PROFIT, PRIVATE,
         (320, 224, 268), "2017-08-08", FILED, (4, "2024-03-12"), MED_LICENCE, CANTEEN, "广州市天河区黄埔大道中638号"),
    Home("1244010454206915XL", "广州市越秀区老人院", "440104", NURSING, NONPROFIT, PUBLIC,
         (150, 98, 141), "1988-01-01", FILED, (4, "2022-09-15"), MED_FILING, CANTEEN, "广州市越秀区东风东路751号"),
    Home("52440104MJJ374029T", "越秀区北京街社区日间照料中心", "440104", DAYCARE, NONPROFIT, PUB_PRIV,
         (18, 6, 12), "2017-04-01", FILED, None, NO_MED, NO_CANTEEN, "广州市越秀区文德路21号二楼"),
    Home("52440104MJU7287805", "广州市越秀区福寿康颐养院", "440104", EMBEDDED, NONPROFIT, PRIVATE,
         (38, 24, 35), "2019-11-20", FILED, None, NO_MED, NO_CANTEEN, "广州市越秀区解放北路962号"),
    Home("52440104MJK2338448", "越秀区登峰街长者综合服务站", "440104", STATION, NONPROFIT, PUB_PRIV,
         (10, 3, 6), "2022-03-01", FILED, None, NO_MED, NO_CANTEEN, "广州市越秀区登峰路46号首层"),
    Home("52440105MJB539971P", "广州市海珠区颐年养老院", "440105", NURSING, NONPROFIT, SUBSIDISED,
         (220, 132, 186), "2012-10-01", FILED, (3, "2021-12-10"), MED_FILING, CANTEEN, "广州市海珠区工业大道南812号"),
    Home("52440105MJD4636305", "海珠区江南中街社区日间照料中心", "440105", DAYCARE, NONPROFIT, PUB_PRIV,
         (15, 5, 11), "2016-07-01", FILED, None, NO_MED, NO_CANTEEN, "广州市海珠区江南大道中168号之二"),
    Home("91440105MA6U37X7QA", "广州市海珠区松鹤护养院", "440105", NURSING, PROFIT, PRIVATE,
         (96, 58, 71), "2023-04-06", UNFILED, None, NO_MED, CANTEEN, "广州市海珠区南洲路233号"),
    Home("91440105MA61EB4FCE", "广州市海珠区康泰医养护理院", "440105", MEDICAL, PROFIT, PRIVATE,
         (150, 105, 127), "2019-02-20", FILED, (3, "2023-08-30"), MED_LICENCE, CANTEEN, "广州市海珠区新港东路1068号"),
    Home("12440111577678561Y", "广州市白云区老人院", "440111", NURSING, NONPROFIT, PUBLIC,
         (300, 186, 255), "1996-05-01", FILED, (3, "2021-10-18"), MED_FILING, CANTEEN, "广州市白云区同和路188号"),
    Home("91440111MAKP0KP4K1", "广州市白云区寿康颐养中心", "440111", NURSING, PROFIT, PRIVATE,
         (600, 390, 518), "2014-09-09", FILED, (5, "2024-09-26"), MED_LICENCE, CANTEEN, "广州市白云区金沙洲路52号"),
    Home("124401116167963939", "白云区太和镇敬老院", "440111", RURAL, NONPROFIT, PUBLIC,
         (60, 24, 41), "2002-03-01", FILED, None, NO_MED, CANTEEN, "广州市白云区太和镇太和北路97号"),
    Home("52440111MJM2646260", "白云区京溪街社区日间照料中心", "440111", DAYCARE, NONPROFIT, PUB_PRIV,
         (20, 6, 13), "2019-06-01", FILED, None, NO_MED, NO_CANTEEN, "广州市白云区京溪路126号"),
    Home("52440111MJQ7036684", "白云区钟落潭镇敬老院", "440111", RURAL, NONPROFIT, PUB_PRIV,
         (45, 18, 33), "2008-12-01", FILED, None, NO_MED, CANTEEN, "广州市白云区钟落潭镇广从五路318号"),
    Home("124401136248675774", "广州市番禺区社会福利院", "440113", NURSING, NONPROFIT, PUBLIC,
         (350, 224, 301), "1999-10-01", FILED, (4, "2023-03-22"), MED_LICENCE, CANTEEN, "广州市番禺区市桥街繁华路26号"),
    Home("12440113660637904D", "番禺区石楼镇敬老院", "440113", RURAL, NONPROFIT, PUBLIC,
         (80, 30, 57), "2005-06-01", FILED, (1, "2022-05-17"), NO_MED, CANTEEN, "广州市番禺区石楼镇市莲路51号"),
    Home("52440113MJX8877090", "番禺区市桥街社区日间照料中心", "440113", DAYCARE, NONPROFIT, PUB_PRIV,
         (25, 8, 17), "2018-01-15", FILED, None, NO_MED, NO_CANTEEN, "广州市番禺区市桥街西丽路88号二楼"),
    Home("91440113MADHA1G6GM", "广州市番禺区南村康颐护养院", "440113", NURSING, PROFIT, PRIVATE,
         (240, 144, 172), "2022-08-18", UNFILED, None, MED_FILING, CANTEEN, "广州市番禺区南村镇兴南大道321号"),
    Home("52440113MJT175284H", "番禺区大石街乐龄嵌入式养老院", "440113", EMBEDDED, NONPROFIT, PRIVATE,
         (30, 18, 26), "2021-01-08", FILED, None, NO_MED, NO_CANTEEN, "广州市番禺区大石街石北路15号"),
    Home("12440117709279475Y", "从化区温泉镇敬老院", "440117", RURAL, NONPROFIT, PUBLIC,
         (40, 12, 26), "2003-04-01", FILED, None, NO_MED, CANTEEN, "广州市从化区温泉镇温泉东路63号"),
    Home("12440118788069061N", "增城区中新镇中心敬老院", "440118", CENTRAL, NONPROFIT, PUBLIC,
         (90, 36, 62), "2010-09-01", FILED, (2, "2022-12-01"), NO_MED, CANTEEN, "广州市增城区中新镇中新大道北141号"),
    # 深圳市 ---------------------------------------------------------------------------------
    Home("52440304MJL177251P", "深圳市福田区颐康养老院", "440304", NURSING, NONPROFIT, PUB_PRIV,
         (200, 140, 176), "2018-12-01", FILED, (4, "2023-11-16"), MED_FILING, CANTEEN, "深圳市福田区莲花路1013号"),
    Home("12440303683673772N", "深圳市罗湖区社会福利中心", "440303", NURSING, NONPROFIT, PUBLIC,
         (300, 210, 262), "2001-07-01", FILED, (5, "2022-10-28"), MED_LICENCE, CANTEEN, "深圳市罗湖区布心路2026号"),
    Home("91440305MA940D15NQ", "深圳市南山区蛇口颐养院", "440305", EMBEDDED, PROFIT, PRIVATE,
         (48, 30, 44), "2020-10-20", FILED, None, NO_MED, CANTEEN, "深圳市南山区蛇口工业八路37号"),
    Home("52440306MJD125113G", "深圳市宝安区西乡街道长者服务站", "440306", STATION, NONPROFIT, PUB_PRIV,
         (20, 6, 15), "2019-03-01", FILED, None, NO_MED, NO_CANTEEN, "深圳市宝安区西乡街道西乡大道291号"),
    Home("91440307MA9YC3P592", "深圳市龙岗区仁和医养中心", "440307", MEDICAL, PROFIT, PRIVATE,
         (400, 280, 318), "2016-05-16", FILED, (4, "2024-06-06"), MED_LICENCE, CANTEEN, "深圳市龙岗区龙岗大道6608号"),
    # 佛山市 ---------------------------------------------------------------------------------
    Home("12440604552935074J", "佛山市禅城区社会福利院", "440604", NURSING, NONPROFIT, PUBLIC,
         (260, 156, 220), "1990-03-01", FILED, (4, "2022-07-07"), MED_FILING, CANTEEN, "佛山市禅城区季华六路66号"),
    Home("52440605MJX6802572", "佛山市南海区桂城街道颐养院", "440605", NURSING, NONPROFIT, PUB_PRIV,
         (150, 90, 118), "2015-01-18", FILED, None, NO_MED, CANTEEN, "佛山市南海区桂城街道南海大道北73号"),
    Home("124406066248102632", "佛山市顺德区大良街道敬老院", "440606", RURAL, NONPROFIT, PUBLIC,
         (70, 28, 49), "2000-10-01", FILED, None, NO_MED, CANTEEN, "佛山市顺德区大良街道凤山中路58号"),
    Home("52440606MJL612397T", "佛山市顺德区容桂街道社区日间照料中心", "440606", DAYCARE, NONPROFIT, PUB_PRIV,
         (18, 6, 10), "2020-08-01", UNFILED, None, NO_MED, NO_CANTEEN, "佛山市顺德区容桂街道容奇大道中12号"),
    # 安康市 ---------------------------------------------------------------------------------
    # A city-run home is registered by the city (610900 in its USCC) but sits in a county.
    Home("126109005557040520", "安康市社会福利院", "610902", NURSING, NONPROFIT, PUBLIC,
         (300, 180, 236), "1985-10-01", FILED, (4, "2023-10-25"), MED_FILING, CANTEEN, "安康市汉滨区巴山东路48号"),
    Home("12610902691103374A", "汉滨区中心敬老院", "610902", CENTRAL, NONPROFIT, PUBLIC,
         (200, 110, 168), "2011-05-01", FILED, (3, "2022-11-30"), MED_FILING, CANTEEN, "安康市汉滨区建民街道育才路112号"),
    Home("1261090240306210XW", "汉滨区恒口镇敬老院", "610902", RURAL, NONPROFIT, PUBLIC,
         (80, 30, 52), "2006-08-01", FILED, None, NO_MED, CANTEEN, "安康市汉滨区恒口镇恒口街216号"),
    Home("52610902MJD432435R", "汉滨区江北街道社区日间照料中心", "610902", DAYCARE, NONPROFIT, PUB_PRIV,
         (20, 6, 12), "2019-09-01", FILED, None, NO_MED, NO_CANTEEN, "安康市汉滨区江北街道安康大道83号"),
    Home("91610902MAWNFTX3PK", "安康市汉滨区颐和养老院", "610902", NURSING, PROFIT, PRIVATE,
         (160, 90, 104), "2021-03-28", FILED, (2, "2024-05-20"), NO_MED, CANTEEN, "安康市汉滨区新城街道兴安路167号"),
    Home("52610902MJX148142Y", "安康市汉滨区康复医养中心", "610902", MEDICAL, NONPROFIT, SUBSIDISED,
         (220, 154, 171), "2018-06-16", FILED, (3, "2023-09-14"), MED_LICENCE, CANTEEN, "安康市汉滨区月河路9号"),
    Home("52610902MJH9622928", "汉滨区新城街道居家养老服务站", "610902", STATION, NONPROFIT, PUB_PRIV,
         (10, 3, 6), "2022-06-01", FILED, None, NO_MED, NO_CANTEEN, "安康市汉滨区新城街道香溪路20号"),
    Home("52610902MJF224387D", "汉滨区五里镇农村幸福院", "610902", HAPPINESS, NONPROFIT, SUBSIDISED,
         (12, 4, 8), "2017-11-01", FILED, None, NO_MED, NO_CANTEEN, "安康市汉滨区五里镇双桥村三组"),
    Home("12610921680541491U", "汉阴县中心敬老院", "610921", CENTRAL, NONPROFIT, PUBLIC,
         (150, 75, 110), "2012-06-01", FILED, (2, "2022-08-16"), NO_MED, CANTEEN, "安康市汉阴县城关镇月河北路35号"),
    Home("52610921MJP697538Y", "汉阴县城关镇社区日间照料中心", "610921", DAYCARE, NONPROFIT, PUB_PRIV,
         (15, 5, 9), "2020-04-01", UNFILED, None, NO_MED, NO_CANTEEN, "安康市汉阴县城关镇三元路12号"),
    Home("126109227651734642", "石泉县社会福利院", "610922", NURSING, NONPROFIT, PUBLIC,
         (120, 66, 85), "2009-07-01", FILED, None, NO_MED, CANTEEN, "安康市石泉县城关镇江南大道78号"),
    Home("12610922614985713R", "石泉县池河镇敬老院", "610922", RURAL, NONPROFIT, PUBLIC,
         (50, 15, 31), "2004-10-01", UNFILED, None, NO_MED, NO_CANTEEN, "安康市石泉县池河镇池河街71号"),
    Home("1261092342516676XJ", "宁陕县城关镇敬老院", "610923", RURAL, NONPROFIT, PUBLIC,
         (40, 12, 23), "2007-03-01", FILED, None, NO_MED, NO_CANTEEN, "安康市宁陕县城关镇南街29号"),
    Home("12610924471194542A", "紫阳县城关镇敬老院", "610924", RURAL, NONPROFIT, PUBLIC,
         (90, 36, 64), "2005-09-01", FILED, (1, "2021-11-23"), NO_MED, CANTEEN, "安康市紫阳县城关镇滨江路103号"),
    Home("52610924MJY434106C", "紫阳县蒿坪镇区域性养老服务中心", "610924", REGIONAL, NONPROFIT, PUB_PRIV,
         (200, 120, 139), "2020-12-18", FILED, (3, "2024-08-08"), MED_FILING, CANTEEN, "安康市紫阳县蒿坪镇蒿坪街56号"),
    Home("12610925763578249H", "岚皋县区域性养老服务中心", "610925", REGIONAL, NONPROFIT, PUBLIC,
         (160, 96, 108), "2019-10-01", FILED, (2, "2023-04-18"), NO_MED, CANTEEN, "安康市岚皋县城关镇滨河路18号"),
    Home("52610925MJL971552J", "岚皋县佐龙镇农村幸福院", "610925", HAPPINESS, NONPROFIT, SUBSIDISED,
         (12, 4, 7), "2018-05-01", UNFILED, None, NO_MED, NO_CANTEEN, "安康市岚皋县佐龙镇佐龙村二组"),
    Home("126109265216872901", "平利县中心敬老院", "610926", CENTRAL, NONPROFIT, PUBLIC,
         (120, 60, 83), "2010-04-01", FILED, (1, "2022-06-09"), NO_MED, CANTEEN, "安康市平利县城关镇新正街88号"),
    Home("52610926MJK5525238", "平利县长安镇农村幸福院", "610926", HAPPINESS, NONPROFIT, SUBSIDISED,
         (10, 3, 8), "2019-08-01", FILED, None, NO_MED, NO_CANTEEN, "安康市平利县长安镇中坝村五组"),
    Home("126109276818553104", "镇坪县城关镇敬老院", "610927", RURAL, NONPROFIT, PUBLIC,
         (30, 9, 17), "2008-05-01", FILED, None, NO_MED, NO_CANTEEN, "安康市镇坪县城关镇新街45号"),
    Home("12610929585580281E", "白河县区域性养老服务中心", "610929", REGIONAL, NONPROFIT, PUBLIC,
         (180, 100, 121), "2021-06-01", FILED, None, NO_MED, CANTEEN, "安康市白河县城关镇环城路160号"),
    Home("52610929MJP125054A", "白河县城关镇社区日间照料中心", "610929", DAYCARE, NONPROFIT, PUB_PRIV,
         (12, 4, 7), "2021-09-01", FILED, None, NO_MED, NO_CANTEEN, "安康市白河县城关镇红石街22号"),
    Home("12610981659951090J", "旬阳市中心敬老院", "610981", CENTRAL, NONPROFIT, PUBLIC,
         (160, 88, 118), "2013-10-01", FILED, (3, "2024-01-16"), MED_FILING, CANTEEN, "安康市旬阳市城关镇祝尔康大道208号"),
    Home("126109815470736094", "旬阳市吕河镇敬老院", "610981", RURAL, NONPROFIT, PUBLIC,
         (60, 18, 40), "2006-04-01", FILED, None, NO_MED, CANTEEN, "安康市旬阳市吕河镇吕河街33号"),
    Home("91610981MAY2W6NMKC", "旬阳市康馨护理院", "610981", NURSING, PROFIT, PRIVATE,
         (100, 70, 46), "2024-03-15", UNFILED, None, NO_MED, CANTEEN, "安康市旬阳市城关镇太极大道99号"),
]


class Equipment(NamedTuple):
    home: str  # institution name, as in INSTITUTIONS
    kind: str
    registration_no: str  # 使用登记证编号
    location: str
    inspected_days_ago: int  # the last periodic inspection; validity follows INSPECTION_PERIOD


ELEVATOR, BOILER, OXYGEN = EquipmentKind.ELEVATOR, EquipmentKind.BOILER, EquipmentKind.OXYGEN_PIPE
INSPECTION_PERIOD = {ELEVATOR: 365, BOILER: 365, OXYGEN: 3 * 365}

EQUIPMENT: list[Equipment] = [
    Equipment("广州市天河区康乐颐养院", ELEVATOR, "梯11粤A08312(16)", "1号楼东梯", 120),
    Equipment("广州市天河区康乐颐养院", ELEVATOR, "梯11粤A08313(16)", "1号楼西梯（医用）", 120),
    Equipment("广州市天河区老人院", ELEVATOR, "梯11粤A02741(09)", "综合楼", 75),
    Equipment("广州市天河区老人院", ELEVATOR, "梯11粤A02742(09)", "护理楼", 75),
    Equipment("广州市天河区老人院", BOILER, "锅11粤A00518(12)", "热水锅炉房", 200),
    Equipment("广州市天河区康宁医养中心", ELEVATOR, "梯11粤A11065(17)", "A栋1号梯", 40),
    Equipment("广州市天河区康宁医养中心", ELEVATOR, "梯11粤A11066(17)", "A栋2号梯（医用）", 40),
    Equipment("广州市天河区康宁医养中心", OXYGEN, "管GC2粤A00217(17)", "中心供氧管道", 300),
    Equipment("广州市越秀区老人院", ELEVATOR, "梯11粤A00387(06)", "主楼", 400),  # expired 35 days ago
    Equipment("广州市海珠区颐年养老院", ELEVATOR, "梯11粤A05229(12)", "主楼", 350),  # expires in 15 days
    Equipment("广州市白云区老人院", ELEVATOR, "梯11粤A01964(08)", "颐养楼", 180),
    Equipment("广州市白云区寿康颐养中心", ELEVATOR, "梯11粤A07720(14)", "1号楼", 95),
    Equipment("广州市白云区寿康颐养中心", ELEVATOR, "梯11粤A07721(14)", "2号楼", 95),
    Equipment("广州市白云区寿康颐养中心", ELEVATOR, "梯11粤A07722(14)", "3号楼（医用）", 95),
    Equipment("广州市白云区寿康颐养中心", BOILER, "锅11粤A00903(14)", "厨房蒸汽锅炉", 260),
    Equipment("广州市白云区寿康颐养中心", OXYGEN, "管GC2粤A00161(14)", "护理区供氧管道", 500),
    Equipment("广州市番禺区社会福利院", ELEVATOR, "梯11粤A03358(10)", "护理楼", 150),
    Equipment("深圳市罗湖区社会福利中心", ELEVATOR, "梯11粤B04417(08)", "主楼", 60),
    Equipment("深圳市龙岗区仁和医养中心", ELEVATOR, "梯11粤B09183(16)", "医养楼1号梯", 210),
    Equipment("深圳市龙岗区仁和医养中心", ELEVATOR, "梯11粤B09184(16)", "医养楼2号梯", 210),
    Equipment("佛山市禅城区社会福利院", ELEVATOR, "梯11粤E01276(11)", "主楼", 130),
    Equipment("安康市社会福利院", ELEVATOR, "梯11陕G00218(09)", "老年公寓楼", 240),
    Equipment("汉滨区中心敬老院", ELEVATOR, "梯11陕G00542(12)", "供养楼", 90),
    Equipment("安康市汉滨区康复医养中心", ELEVATOR, "梯11陕G00736(18)", "医养楼", 160),
    Equipment("安康市汉滨区康复医养中心", OXYGEN, "管GC2陕G00031(18)", "病区供氧管道", 420),
    Equipment("紫阳县蒿坪镇区域性养老服务中心", ELEVATOR, "梯11陕G00915(20)", "护理楼", 45),
]


class Move(NamedTuple):
    """A person who left one institution for another: one ended job, one current."""

    name: str
    id_number: str
    phone: str
    role: str
    left: str  # institution name
    left_from: str
    left_until: str
    joined: str  # institution name
    joined_from: str


MOVES: list[Move] = [
    # A care worker from 湘潭县 who moved from a 天河 home to a 海珠 home.
    Move("罗秀珍", "430321197208140441", "13926041873", PractitionerRole.CAREGIVER,
         "广州市天河区康乐颐养院", "2016-05-01", "2022-12-31", "广州市海珠区颐年养老院", "2023-02-01"),
    # The director of 紫阳 town's home, now running the county's new regional centre.
    Move("汪德明", "612425196904021536", "13991567024", PractitionerRole.PRINCIPAL,
         "紫阳县城关镇敬老院", "2012-03-01", "2020-12-17", "紫阳县蒿坪镇区域性养老服务中心", "2020-12-18"),
]


class Account(NamedTuple):
    username: str
    role: str
    full_name: str
    region: str | None = None  # GB/T 2260 code, regulators and inspectors
    department: str = ""  # inspectors
    institution: str | None = None  # institution name, institution users


ACCOUNTS: list[Account] = [
    Account("gd_regulator", Role.REGULATOR, "黄志明", region="440000"),
    Account("gz_regulator", Role.REGULATOR, "梁淑仪", region="440100"),
    Account("ak_regulator", Role.REGULATOR, "汪建国", region="610900"),
    Account("ak_inspector", Role.INSPECTOR, "柯晓燕", region="610900", department=Department.CIVIL_AFFAIRS),
    Account("gz_fire_inspector", Role.INSPECTOR, "邓伟强", region="440106", department=Department.FIRE_RESCUE),
    Account("gz_home", Role.INSTITUTION, "何丽华", institution="广州市天河区康乐颐养院"),
    Account("ak_home", Role.INSTITUTION, "余海燕", institution="汉滨区中心敬老院"),
]

# Where staff were born. Codes are tried in order of preference and kept only if the division
# existed in the birth year (stdnum's table): 安康 counties were 6124xx until 2000, for instance.
ORIGINS: dict[str, tuple[str, ...]] = {
    "广州": ("440120", "440126", "440121", "440125", "440122", "440103", "440104", "440105", "440106",
             "440111", "440113", "440114", "440117", "440118"),
    "深圳": ("440321", "440303", "440304", "440305", "440306", "440307", "441424", "441481", "445222", "440823"),
    "佛山": ("440622", "440623", "440681", "440682", "440604", "440605", "440606", "440120"),
    "粤东西": ("440221", "441422", "441423", "441424", "441481", "440823", "440825", "440982", "440981"),
    "外省": ("430321", "430121", "433123", "360121", "510121", "510321", "422822", "450321", "610323"),
    "610902": ("612421", "612401", "610902"),
    "610921": ("612422", "610921"),
    "610922": ("612423", "610922"),
    "610923": ("612424", "610923"),
    "610924": ("612425", "610924"),
    "610925": ("612426", "610925"),
    "610926": ("612427", "610926"),
    "610927": ("612428", "610927"),
    "610929": ("612430", "610929"),
    "610981": ("612429", "610928", "610981"),
}
CITY_OF_PREFIX = {"4401": "广州", "4403": "深圳", "4406": "佛山"}
OFFICE_PHONE = {"4401": ("020", "8", 7), "4403": ("0755", "2", 7), "4406": ("0757", "8", 7), "6109": ("0915", "3", 6)}

SURNAMES = {
    "粤": "陈李黄梁张林刘吴罗何郑谢冯邓曾彭许蔡叶钟苏潘杨周麦伍卢",
    "陕": "王陈李张刘杨吴汪柯余胡周赵徐黄朱沈鲁程谢储",
    "外省": "王李张刘陈杨黄赵周吴徐孙胡朱高何郭马罗彭唐邓",
}
GIVEN_NAMES = {
    "F": ("秀英", "桂英", "秀兰", "玉兰", "丽华", "美玲", "春梅", "海燕", "丽娟", "凤英", "淑芬", "慧敏", "晓燕",
          "丽萍", "雪梅", "红霞", "金凤", "少芬", "秀珍", "惠玲", "婉仪", "嘉欣", "小红", "翠兰", "玉梅", "素珍",
          "艳", "静", "敏", "芳", "娟", "霞", "琴", "燕", "莉", "婷"),
    "M": ("伟", "强", "建国", "志明", "国华", "永强", "家豪", "俊杰", "文斌", "卫东", "建华", "志强", "海波",
          "立新", "德明", "振华", "锦荣", "伟明", "国强", "建军", "明", "军", "平", "斌", "涛", "鹏", "勇",
          "光荣", "永福", "少华", "汉忠", "启明", "耀辉", "树林", "宏伟"),
}


class Post(NamedTuple):
    """One post on a home's staff: who tends to hold it."""

    role: str
    born: tuple[int, int]  # birth years, inclusive
    male: int  # share of men, percent
    local: int  # share born in the home's own city or county, percent
    qualification: tuple[str, ...] = ()
    training_hours: tuple[int, ...] = (0,)


LEGAL_REPRESENTATIVE = Post(PractitionerRole.LEGAL_REPRESENTATIVE, (1958, 1980), 65, 80)
PRINCIPAL = Post(PractitionerRole.PRINCIPAL, (1965, 1988), 50, 70, ("养老院院长培训合格",), (32, 40, 48))
MANAGER = Post(PractitionerRole.MANAGER, (1975, 1994), 40, 60, ("养老服务管理",), (16, 24))
SAFETY_OFFICER = Post(
    PractitionerRole.SAFETY_OFFICER, (1968, 1995), 80, 70, ("消防设施操作员（五级/初级工）", "消防设施操作员（四级/中级工）"),
    (8, 16, 24),
)
CAREGIVER = Post(
    PractitionerRole.CAREGIVER, (1965, 2000), 15, 50,
    ("养老护理员（五级/初级工）", "养老护理员（四级/中级工）", "养老护理员（四级/中级工）", "养老护理员（三级/高级工）"),
    (8, 16, 24, 40),
)
CERTIFICATE_PREFIX = {PractitionerRole.PRINCIPAL: "YZ", PractitionerRole.SAFETY_OFFICER: "XF",
                      PractitionerRole.CAREGIVER: "YL"}


def caregivers_for(beds: int) -> int:
    return 1 if beds < 20 else 2 if beds < 60 else 3 if beds < 150 else 4 if beds < 300 else 5


# ---------------------------------------------------------------------------------------------
# Deterministic derivation (pure: no database)
# ---------------------------------------------------------------------------------------------

LATEST_HISTORY = date(2024, 12, 31)  # fixed history ends here; later dates are relative to today


def _h(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _pick(seq, *key):
    return seq[_h(*key) % len(seq)]


def _id_number(place: str, born: date, sequence: int) -> str:
    body = f"{place}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


@cache
def _place_existed(place: str, year: int) -> bool:
    return ric.is_valid(_id_number(place, date(year, 7, 1), 1))


@dataclass(frozen=True)
class Job:
    institution: str  # USCC
    name: str
    id_number: str
    phone: str
    role: str
    started_on: date
    ended_on: date | None = None
    qualification: str = ""
    certificate_no: str = ""
    trained_days_ago: int | None = None
    training_hours: int = 0


def _origin_pool(region: str, local: bool) -> tuple[str, ...]:
    if region.startswith("61"):
        return ORIGINS[region] if local else tuple(c for k, v in ORIGINS.items() if k.startswith("6109") for c in v)
    return ORIGINS[CITY_OF_PREFIX[region[:4]]] if local else ORIGINS["粤东西"] + ORIGINS["外省"]


def _person(home: Home, post: Post, slot: int, taken: set[str]) -> tuple[str, str, str]:
    """Name, ID number and mobile phone of the person holding a post, all derived from the key."""
    key = (home.uscc, post.role, slot)
    male = _h(*key, "sex") % 100 < post.male
    first, last = post.born
    born = date(first + _h(*key, "year") % (last - first + 1), 1, 1) + timedelta(days=_h(*key, "day") % 365)
    local = _h(*key, "local") % 100 < post.local
    # If the home's own area had no code yet in the birth year (深圳 before 1982), they came from elsewhere.
    places = [p for p in _origin_pool(home.region, local) if _place_existed(p, born.year)] or [
        p for p in _origin_pool(home.region, False) if _place_existed(p, born.year)
    ]
    place = _pick(places, *key, "place")
    migrant = place[:2] not in ("44", "61")
    surnames = SURNAMES["外省" if migrant else "陕" if place.startswith("61") else "粤"]
    name = _pick(surnames, *key, "surname") + _pick(GIVEN_NAMES["M" if male else "F"], *key, "given")
    sequence = (_h(*key, "seq") % 499) * 2 + (1 if male else 2)  # odd for men, even for women
    number = _id_number(place, born, sequence)
    while number in taken:
        sequence = (sequence + 2) % 1000 or (1 if male else 2)
        number = _id_number(place, born, sequence)
    if not ric.is_valid(number):
        raise DemoDataError(f"Generated an invalid ID number {number} for {home.name}.")
    taken.add(number)
    phone = _pick(("133", "135", "137", "138", "139", "150", "158", "159", "180", "186", "189"), *key, "mobile")
    return name, number, f"{phone}{_h(*key, 'phone') % 10**8:08d}"


def _start(home: Home, id_number: str, *key) -> date:
    """When someone took the post: some day between the latest of the home's opening, 2012 and the
    person's 18th birthday, and the end of the fixed history."""
    born = ric.get_birth_date(id_number)
    floor = max(date.fromisoformat(home.since), date(2012, 1, 1), date(born.year + 18, born.month, 1))
    if floor >= LATEST_HISTORY:
        return floor
    return floor + timedelta(days=_h(*key, "start") % ((LATEST_HISTORY - floor).days + 1))


def _posts(beds: int) -> list[Post]:
    posts = [LEGAL_REPRESENTATIVE]
    if beds >= 30:  # in the smallest places the legal representative is the principal too
        posts.append(PRINCIPAL)
    if beds >= 200:
        posts.append(MANAGER)
    return posts + [SAFETY_OFFICER] + [CAREGIVER] * caregivers_for(beds)


def staff_plan() -> list[Job]:
    """Every job of every demo institution, the movers' included."""
    homes = {h.name: h for h in INSTITUTIONS}
    taken = {m.id_number for m in MOVES}
    held_by_mover = {(homes[m.joined].uscc, m.role) for m in MOVES}
    successor_from = {
        (homes[m.left].uscc, m.role): date.fromisoformat(m.left_until) + timedelta(days=1) for m in MOVES
    }
    jobs = []
    for home in INSTITUTIONS:
        for slot, post in enumerate(_posts(home.beds[0])):
            if (home.uscc, post.role) in held_by_mover:
                continue
            key = (home.uscc, post.role, slot)
            name, number, phone = _person(home, post, slot, taken)
            started = successor_from.get((home.uscc, post.role)) or _start(home, number, *key)
            jobs.append(_job(home, post, key, name, number, phone, started))
            if post is LEGAL_REPRESENTATIVE and home.beds[0] < 30:
                jobs.append(_job(home, PRINCIPAL, (home.uscc, PRINCIPAL.role, slot), name, number, phone, started))
    for move in MOVES:
        post = PRINCIPAL if move.role == PractitionerRole.PRINCIPAL else CAREGIVER
        for home_name, start, end in ((move.left, move.left_from, move.left_until), (move.joined, move.joined_from, None)):
            home = homes[home_name]
            started, ended = date.fromisoformat(start), date.fromisoformat(end) if end else None
            key = (home.uscc, move.role, move.id_number)
            jobs.append(_job(home, post, key, move.name, move.id_number, move.phone, started, ended))
    return jobs


def _job(home, post, key, name, number, phone, started, ended=None) -> Job:
    if not post.qualification:
        return Job(home.uscc, name, number, phone, post.role, started, ended)
    prefix = CERTIFICATE_PREFIX.get(post.role)
    certificate = f"{prefix}{home.region}{started.year}{_h(*key, 'cert') % 10**5:05d}" if prefix else ""
    return Job(
        home.uscc, name, number, phone, post.role, started, ended,
        qualification=_pick(post.qualification, *key, "qualification"),
        certificate_no=certificate,
        trained_days_ago=None if ended else 20 + _h(*key, "trained") % 320,
        training_hours=_pick(post.training_hours, *key, "hours"),
    )


def principal_of(home: Home, jobs: list[Job]) -> Job:
    return next(
        j for j in jobs if j.institution == home.uscc and j.role == PractitionerRole.PRINCIPAL and not j.ended_on
    )


def institution_data(home: Home, *, contact_person: str, today: date) -> dict:
    """The fields of one institution (region as a code), as create_institution takes them."""
    total, nursing, in_use = home.beds
    since = date.fromisoformat(home.since)
    residential = home.type not in (DAYCARE, STATION)
    area = max(total * (30 + _h(home.uscc, "area") % 18), 300 if not residential else 0)
    # Filing became the rule in 2019; earlier homes filed in 2019–2020, later ones within 10 working days.
    filed_on = since + timedelta(days=9) if since >= date(2019, 1, 1) else date(2019, 3, 1) + timedelta(
        days=_h(home.uscc, "filed") % 400
    )
    prefix, first_digit, digits = OFFICE_PHONE[home.region[:4]]
    data = {
        "uscc": home.uscc,
        "name": home.name,
        "region": home.region,
        "type": home.type,
        "nature": home.nature,
        "operation_model": home.model,
        "level": home.level[0] if home.level else None,
        "level_rated_on": date.fromisoformat(home.level[1]) if home.level else None,
        "filing_status": FilingStatus.FILED if home.filed else FilingStatus.NOT_FILED,
        "filed_on": filed_on if home.filed else None,
        "residents_since": since,
        "address": home.address,
        "contact_person": contact_person,
        "contact_phone": f"{prefix}-{first_digit}{_h(home.uscc, 'tel') % 10**digits:0{digits}d}",
        "beds_total": total,
        "beds_nursing": nursing,
        "beds_in_use": in_use,
        "residents": max(in_use - _h(home.uscc, "residents") % 3, 0) if residential else in_use,
        "building_area": Decimal(area) + Decimal(_h(home.uscc, "area-cents") % 100) / 100,
        "medical_licence": home.medical,
    }
    if home.medical != NO_MED:
        number = _h(home.uscc, "medical") % 10**5
        data["medical_licence_no"] = (
            f"PDY{number:05d}{home.region}17A1002" if home.medical == MED_LICENCE else f"{home.region}YLBA{number:05d}"
        )
        data["medical_licence_valid_until"] = today + timedelta(days=300 + _h(home.uscc, "med-valid") % 1400)
    if home.canteen:
        data["canteen_licence_no"] = f"JY3{home.region}{_h(home.uscc, 'canteen') % 10**7:07d}"
        data["canteen_licence_valid_until"] = today + timedelta(days=60 + _h(home.uscc, "canteen-valid") % 1700)
    return data


def check_tables() -> None:
    """Cheap sanity checks of the literal tables (run before any write)."""
    names = [h.name for h in INSTITUTIONS]
    if len(set(names)) != len(names):
        raise DemoDataError("Institution names in the demo table must be unique.")
    for code in [h.uscc for h in INSTITUTIONS]:
        if not uscc.is_valid(code):
            raise DemoDataError(f"Invalid USCC {code} in the demo tables.")
    for move in MOVES:
        if not ric.is_valid(move.id_number):
            raise DemoDataError(f"Invalid ID number {move.id_number} in the demo tables.")


# ---------------------------------------------------------------------------------------------
# Builder
# ---------------------------------------------------------------------------------------------


@demo_step("registry", order=10)
def seed_registry(ctx: DemoContext) -> None:
    """Institutions, their equipment and staff, and the accounts of regulators, inspectors and
    institutions."""
    check_tables()
    codes = {h.region for h in INSTITUTIONS} | {a.region for a in ACCOUNTS if a.region}
    regions = Region.objects.in_bulk(codes)
    if missing := sorted(codes - set(regions)):
        raise DemoDataError(f"Regions {', '.join(missing)} are missing: run `manage.py load_regions` first.")
    jobs = staff_plan()
    people_before = Person.objects.count()
    homes = _institutions(ctx.admin, regions, jobs, ctx.today, ctx.created)
    _equipment(ctx.admin, homes, ctx.today, ctx.created)
    _practitioners(ctx.admin, homes, jobs, ctx.today, ctx.created)
    ctx.created["people"] += Person.objects.count() - people_before
    for spec in ACCOUNTS:
        demo_account(
            ctx, username=spec.username, role=spec.role, full_name=spec.full_name, region=regions.get(spec.region),
            department=spec.department, institution=homes.get(spec.institution),
        )


def _institutions(admin, regions, jobs, today, created) -> dict[str, Institution]:
    """Institutions by name (the tables refer to them by name)."""
    existing = Institution.objects.in_bulk([h.uscc for h in INSTITUTIONS], field_name="uscc")
    for home in INSTITUTIONS:
        if home.uscc in existing:
            continue
        data = institution_data(home, contact_person=principal_of(home, jobs).name, today=today)
        data["region"] = regions[data["region"]]
        existing[home.uscc] = create_institution(actor=admin, data=data)
        created["institutions"] += 1
    return {h.name: existing[h.uscc] for h in INSTITUTIONS}


def _equipment(admin, homes, today, created) -> None:
    existing = set(
        SpecialEquipment.objects.filter(institution__in=homes.values()).values_list("institution_id", "registration_no")
    )
    for row in EQUIPMENT:
        institution = homes[row.home]
        if (institution.pk, row.registration_no) in existing:
            continue
        inspected = today - timedelta(days=row.inspected_days_ago)
        create_equipment(
            actor=admin, institution_id=institution.pk,
            data={"kind": row.kind, "registration_no": row.registration_no, "location": row.location,
                  "last_inspected_on": inspected, "valid_until": inspected + timedelta(days=INSPECTION_PERIOD[row.kind])},
        )
        created["equipment"] += 1


def _practitioners(admin, homes, jobs, today, created) -> None:
    by_uscc = {i.uscc: i for i in homes.values()}
    existing = set(
        Practitioner.objects.filter(institution__in=homes.values()).values_list(
            "institution__uscc", "person__id_number", "role", "started_on"
        )
    )
    for job in jobs:
        if (job.institution, job.id_number, job.role, job.started_on) in existing:
            continue
        data = {"role": job.role, "started_on": job.started_on, "ended_on": job.ended_on}
        if job.qualification:
            data |= {"qualification": job.qualification, "certificate_no": job.certificate_no,
                     "training_hours": job.training_hours}
        if job.trained_days_ago is not None:
            data["trained_on"] = today - timedelta(days=job.trained_days_ago)
        create_practitioner(
            actor=admin, institution_id=by_uscc[job.institution].pk, name=job.name, id_number=job.id_number,
            phone=job.phone, data=data,
        )
        created["jobs"] += 1
