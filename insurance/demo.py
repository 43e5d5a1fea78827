"""Insurance demo data: the two insurers of the demo provinces and their claims handlers' accounts."""

from typing import NamedTuple

from accounts.choices import Role
from accounts.demo import DemoContext, demo_account
from accounts.jobs import demo_step
from insurance.models import Insurer
from insurance.services import create_insurer


class InsurerRow(NamedTuple):
    code: str
    name: str
    uscc: str
    contact_person: str
    contact_phone: str


INSURERS: list[InsurerRow] = [
    InsurerRow("picc-gd", "中国人民财产保险股份有限公司广东省分公司", "91440000656988189B", "蔡文斌", "020-83916247"),
    InsurerRow("cpic-sx", "中国太平洋财产保险股份有限公司陕西分公司", "91610000754784809Q", "程丽娜", "029-87365120"),
]


ACCOUNTS = [("insurer_picc", "许嘉欣", "picc-gd"), ("insurer_cpic", "程静", "cpic-sx")]


@demo_step("insurers", order=20)
def seed_insurers(ctx: DemoContext) -> None:
    existing = Insurer.objects.in_bulk([row.code for row in INSURERS], field_name="code")
    for row in INSURERS:
        if row.code not in existing:
            existing[row.code] = create_insurer(actor=ctx.admin, **row._asdict())
            ctx.created["insurers"] += 1
    for username, full_name, code in ACCOUNTS:
        demo_account(ctx, username=username, role=Role.INSURER, full_name=full_name, insurer=existing[code])
