"""The demo city (real units, invented people) and the city-scale data set for benchmarks."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, insert
from sqlmodel import Session, select

from govhub import clock
from govhub.demo.names import full_name, mobile
from govhub.models import Official, OfficialPost, Position, Unit
from govhub.services.core.text import fold
from govhub.services.identity.auth import hash_password
from govhub.services.org.directory import refresh_search_text, search_text_for

DEMO_PASSWORD = "govhub-demo"
CITY_CODE = "UBND-TP"
EMAIL_DOMAIN = "tphcm.gov.vn"

# code, title, English title, rank, is_head, is_deputy
POSITIONS = [
    ("chu_tich_tp", "Chủ tịch UBND Thành phố", "Chairman of the City People's Committee", 1, True, False),
    ("pho_chu_tich_tp", "Phó Chủ tịch UBND Thành phố", "Vice Chairman of the City People's Committee", 2, False, True),
    ("chanh_vp_ubnd", "Chánh Văn phòng UBND Thành phố", "Chief of the City People's Committee Office", 10, True, False),
    ("pho_chanh_vp_ubnd", "Phó Chánh Văn phòng UBND Thành phố", "Deputy Chief of the Office", 11, False, True),
    ("giam_doc", "Giám đốc Sở", "Director", 10, True, False),
    ("pho_giam_doc", "Phó Giám đốc Sở", "Deputy Director", 11, False, True),
    ("chanh_thanh_tra", "Chánh Thanh tra Thành phố", "Chief Inspector", 10, True, False),
    ("pho_chanh_thanh_tra", "Phó Chánh Thanh tra Thành phố", "Deputy Chief Inspector", 11, False, True),
    ("chu_tich", "Chủ tịch UBND", "Chairman of the People's Committee", 10, True, False),
    ("pho_chu_tich", "Phó Chủ tịch UBND", "Vice Chairman of the People's Committee", 11, False, True),
    ("chanh_vp", "Chánh Văn phòng", "Chief of Office", 20, True, False),
    ("pho_chanh_vp", "Phó Chánh Văn phòng", "Deputy Chief of Office", 21, False, True),
    ("truong_phong", "Trưởng phòng", "Head of Division", 20, True, False),
    ("pho_truong_phong", "Phó Trưởng phòng", "Deputy Head of Division", 21, False, True),
    ("chuyen_vien_chinh", "Chuyên viên chính", "Principal Specialist", 30, False, False),
    ("chuyen_vien", "Chuyên viên", "Specialist", 31, False, False),
    ("can_su", "Cán sự", "Officer", 32, False, False),
    ("quan_tri", "Quản trị hệ thống", "System Administrator", 40, False, False),
]
AGENCY_DIVISIONS = ["Văn phòng", "Phòng Tổ chức - Pháp chế", "Phòng Kế hoạch - Tổng hợp", "Phòng Nghiệp vụ"]
AGENCY_DIVISIONS_EN = ["Office", "Organisation and Legal Division", "Planning Division", "Operations Division"]
WARD_DIVISIONS = {
    "ward": ["Văn phòng HĐND và UBND", "Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Văn hóa - Xã hội"],
    "commune": ["Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội"],
}
WARD_DIVISIONS_EN = ["Office of the Council and Committee", "Economic Division", "Culture and Society Division"]
HEAD_POSITION = {"office": ("chanh_vp_ubnd", "pho_chanh_vp_ubnd"),
                 "inspectorate": ("chanh_thanh_tra", "pho_chanh_thanh_tra"),
                 "department": ("giam_doc", "pho_giam_doc")}


@dataclass
class SeedReport:
    """What a seed run added."""

    units: int = 0
    officials: int = 0
    skipped: bool = False


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("govhub.data").joinpath(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def slug(name: str) -> str:
    """``Phường Sài Gòn`` → ``saigon``: the unit name without its kind, folded, no spaces."""
    for prefix in ("Phường ", "Xã ", "Đặc khu ", "Sở "):
        name = name.removeprefix(prefix)
    return "".join(ch for ch in fold(name) if ch.isalnum())


class _Builder:
    """Collects rows and writes them with a few bulk inserts."""

    def __init__(self, session: Session, rng: random.Random) -> None:
        self.session, self.rng = session, rng
        self.positions = {p.code: p for p in session.exec(select(Position)).all()}
        self.used: set[str] = set()
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.officials: list[dict] = []

    def unit(self, **kw) -> Unit:  # noqa: ANN003
        unit = Unit(**kw, search_text=fold(f"{kw['name']} {kw.get('code', '')}"))
        self.session.add(unit)
        self.session.flush()
        return unit

    def official(self, unit: Unit, position_code: str, username: str | None = None, roles: str = "staff",
                 name: str | None = None) -> None:
        position = self.positions[position_code]
        base = username or f"{unit.abbrev.lower() or unit.code}.{len(self.officials) + 1}"
        username = base
        n = 2
        while username in self.used:
            username, n = f"{base}{n}", n + 1
        self.used.add(username)
        person = Official(username=username, full_name=name or full_name(self.rng), unit_id=unit.id,
                          position_id=position.id, roles=roles, phone=mobile(self.rng),
                          email=f"{username}@{EMAIL_DOMAIN}", password_hash=self.password_hash)
        person.name_folded = fold(person.full_name)
        person.search_text = search_text_for(person, position, unit)
        now = clock.now()
        self.officials.append({**person.model_dump(exclude={"id"}), "created_at": now, "updated_at": now})

    def flush(self) -> None:
        if self.officials:
            self.session.execute(insert(Official), self.officials)
            self.officials = []


def ensure_positions(session: Session) -> None:
    """Add the standard positions that are missing."""
    have = set(session.exec(select(Position.code)).all())
    for code, title, title_en, rank, is_head, is_deputy in POSITIONS:
        if code not in have:
            session.add(Position(code=code, title=title, title_en=title_en, rank=rank, is_head=is_head,
                                 is_deputy=is_deputy))
    session.flush()


def seed_demo(session: Session) -> SeedReport:
    """Build the demo city once; a second run changes nothing."""
    if session.exec(select(Unit).where(Unit.code == CITY_CODE)).first() is not None:
        return SeedReport(skipped=True)
    ensure_positions(session)
    rng = random.Random(2025)
    b = _Builder(session, rng)
    city = b.unit(code=CITY_CODE, kind="city", name="Ủy ban nhân dân Thành phố Hồ Chí Minh",
                  name_en="Ho Chi Minh City People's Committee", abbrev="UBND", phone="028 3829 6052",
                  email=f"ubnd@{EMAIL_DOMAIN}", address="86 Lê Thánh Tôn, Phường Sài Gòn")
    b.official(city, "chu_tich_tp", "chutich", "leader unit_head", name="Nguyễn Văn Được")
    for i in range(1, 6):
        b.official(city, "pho_chu_tich_tp", f"pct{i}", "leader")
    units = 1
    for dept in _read_csv("departments.csv"):
        unit = b.unit(code=f"S-{dept['abbrev']}", kind=dept["kind"], name=dept["name_vi"], name_en=dept["name_en"],
                      abbrev=dept["abbrev"], parent_id=city.id, sort_order=int(dept["order"]),
                      phone=f"028 38{int(dept['order']):02d} {rng.randrange(10000):04d}",
                      email=f"{dept['slug']}@{EMAIL_DOMAIN}")
        head, deputy = HEAD_POSITION[dept["kind"]]
        prefix = {"office": "cvp", "inspectorate": "ctt"}.get(dept["kind"], "gd")
        b.official(unit, head, f"{prefix}.{dept['slug']}", "leader unit_head")
        for i in range(1, 3 + (dept["order"] in ("1", "2"))):
            b.official(unit, deputy, f"p{prefix}{i}.{dept['slug']}", "leader")
        if dept["kind"] == "office":
            b.official(unit, "quan_tri", "admin", "admin staff", name="Quản Trị Hệ Thống")
        units += 1 + _divisions(b, unit, AGENCY_DIVISIONS, AGENCY_DIVISIONS_EN, dept["slug"], staff=(2, 4))
    for order, ward in enumerate(_read_csv("units.csv"), start=100):
        s = slug(ward["name_vi"])
        abbrev = s if s not in b.used else f"{s}{ward['code']}"
        unit = b.unit(code=ward["code"], kind=ward["kind"], name=ward["name_vi"], name_en=ward["name_en"],
                      abbrev="UBND", parent_id=city.id, sort_order=order,
                      phone=f"028 {rng.randrange(3500, 3999)} {rng.randrange(10000):04d}",
                      email=f"ubnd.{s}@{EMAIL_DOMAIN}")
        b.used.add(abbrev)
        b.official(unit, "chu_tich", f"ct.{abbrev}", "leader unit_head")
        b.official(unit, "pho_chu_tich", f"pct1.{abbrev}", "leader")
        b.official(unit, "pho_chu_tich", f"pct2.{abbrev}", "leader")
        names = WARD_DIVISIONS["commune" if ward["kind"] != "ward" else "ward"]
        units += 1 + _divisions(b, unit, names, WARD_DIVISIONS_EN, abbrev, staff=(0, 1))
    b.flush()
    _concurrent_posts(session)
    count = session.exec(select(func.count()).select_from(Official)).one()
    from govhub.demo.tasks import seed_demo_tasks  # the tasks need the people above

    seed_demo_tasks(session)
    from govhub.demo.documents import seed_demo_documents  # routes and documents at every step

    seed_demo_documents(session)
    return SeedReport(units=units, officials=count)


def _divisions(b: _Builder, parent: Unit, names: list[str], names_en: list[str], slug_: str,
               staff: tuple[int, int]) -> int:
    """Add a unit's divisions with a head, a deputy and a few staff each; the first is its office."""
    for i, (name, name_en) in enumerate(zip(names, names_en, strict=True), start=1):
        div = b.unit(code=f"{parent.code}-P{i}", kind="division", name=name, name_en=name_en,
                     abbrev=parent.abbrev, parent_id=parent.id, sort_order=i)
        office = i == 1
        roles = "unit_head unit_admin" if office else "unit_head"
        b.official(div, "chanh_vp" if office else "truong_phong", f"tp{i}.{slug_}", roles)
        b.official(div, "pho_chanh_vp" if office else "pho_truong_phong", None)
        for j in range(max(int(office), b.rng.randint(*staff))):
            username = f"cv.{slug_}" if office and j == 0 else None
            b.official(div, "chuyen_vien_chinh" if j == 0 and not office else "chuyen_vien", username)
    return len(names)


def _concurrent_posts(session: Session) -> None:
    """A concurrent post: a vice chairman of Phường Sài Gòn also heads its economic division."""
    deputy = session.exec(select(Official).where(Official.username == "pct1.saigon")).first()
    division = session.exec(select(Unit).where(Unit.code == "26740-P2")).first()
    head = session.exec(select(Position).where(Position.code == "truong_phong")).first()
    if deputy and division and head:
        session.add(OfficialPost(official_id=deputy.id, unit_id=division.id, position_id=head.id))
        session.flush()
        refresh_search_text(session, deputy)


def seed_scale(session: Session, officials: int) -> int:
    """Add generated officials to ward and agency divisions until there are ``officials`` in all."""
    have = session.exec(select(func.count()).select_from(Official)).one()
    need = officials - have
    if need <= 0:
        return 0
    divisions = session.exec(select(Unit).where(Unit.kind == "division").order_by(Unit.id)).all()
    if not divisions:
        raise RuntimeError("seed the demo city first")
    rng = random.Random(50_000)
    b = _Builder(session, rng)
    b.password_hash = None
    start = session.exec(select(func.max(Official.id))).one() or 0
    for i in range(need):
        unit = divisions[i % len(divisions)]
        b.official(unit, rng.choice(["chuyen_vien", "chuyen_vien", "can_su", "chuyen_vien_chinh"]),
                   f"s{start + i + 1}")
        if len(b.officials) >= 5000:
            b.flush()
    b.flush()
    return need
