"""Demo documents: route templates (one city-wide, three of Phường Sài Gòn) and documents of Phường Sài Gòn at
every step — a draft, awaiting parallel review, awaiting the vice chairmen, awaiting signature, returned to its
author, and issued with their numbers — all made through the real services."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from govhub.models import Document, Official, Position, Unit
from govhub.services.core import storage
from govhub.services.documents import route_templates as R
from govhub.services.documents import workflow as D


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF with ``title`` on it (ASCII only, for the demo)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    content = b"BT /F1 14 Tf 60 780 Td (" + text[:90] + b") Tj ET"
    stream = zlib.compress(content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _ContentKeyed:
    """Stores demo files under their content's hash, so seeding twice writes the same files."""

    def __init__(self, inner: storage.FileStore) -> None:
        self.inner = inner

    def put(self, data: bytes, key: str | None = None) -> str:
        return self.inner.put(data, key or hashlib.sha256(data).hexdigest()[:32])

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def delete(self, key: str) -> None:
        """Demo files may be shared by several seedings: never removed."""


@contextmanager
def _demo_store() -> Iterator[None]:
    saved = storage._store
    storage._store = _ContentKeyed(storage.get_store())
    try:
        yield
    finally:
        storage._store = saved


def seed_demo_documents(session: Session) -> int:
    """Add the demo routes and documents (once); returns how many documents were added."""
    people = {o.username: o for o in session.exec(select(Official).where(Official.username.in_(
        ["admin", "ct.saigon", "pct1.saigon", "pct2.saigon", "tp1.saigon", "tp2.saigon", "cv.saigon"]))).all()}
    ward = session.exec(select(Unit).where(Unit.code == "26740")).first()
    if ward is None or len(people) < 7:
        return 0
    if session.exec(select(Document.id).limit(1)).first() is not None:
        return 0
    pos = {p.code: p.id for p in session.exec(select(Position)).all()}
    admin, tp1 = people["admin"], people["tp1.saigon"]

    def route(actor: Official, name: str, doc_type: str, steps: list[tuple], *, city_wide: bool = False) -> None:
        r = R.do_create_route(session, actor, name, doc_type, city_wide=city_wide, is_default=True)
        for stage, kind, who, ref in steps:
            R.do_add_step(session, actor, r.id, r.version, stage=stage, kind=kind, assignee_kind=who,
                          position_id=pos.get(ref) if who == "position" else None,
                          official_id=people[ref].id if who == "official" else None)

    route(admin, "Thủ trưởng đơn vị ký", "", [(1, "sign", "unit_head", None)], city_wide=True)
    route(tp1, "Công văn — Chủ tịch ký", "cong_van", [(1, "sign", "unit_head", None)])
    route(tp1, "Quyết định — Văn phòng và Phòng Kinh tế thẩm định, Phó Chủ tịch xem xét, Chủ tịch ký",
          "quyet_dinh", [(1, "review", "position", "chanh_vp"), (1, "review", "official", "tp2.saigon"),
                         (2, "review", "position", "pho_chu_tich"), (3, "sign", "unit_head", None)])
    route(tp1, "Tờ trình — Văn phòng thẩm định, Phó Chủ tịch ký thay", "to_trinh",
          [(1, "review", "position", "chanh_vp"), (2, "sign", "official", "pct1.saigon")])

    cv, ct = people["cv.saigon"], people["ct.saigon"]
    neighbours = [u.id for u in session.exec(select(Unit).where(Unit.code.in_(["26743", "26734", "25813"]))).all()]
    divisions = [u.id for u in session.exec(select(Unit).where(Unit.parent_id == ward.id)).all()]
    added = 0

    def draft(doc_type: str, summary: str, recipients: list[int], submit: bool = True) -> Document:
        nonlocal added
        doc = D.do_create(session, cv, D.DraftSpec(doc_type=doc_type, summary=summary, recipients=recipients))
        D.do_add_file(session, cv, doc.id, doc.version, f"{doc_type}-du-thao.pdf", demo_pdf(summary))
        if submit:
            D.do_submit(session, cv, doc.id, doc.version)
        added += 1
        return doc

    with _demo_store():
        draft("cong_van", "Đề nghị cung cấp số liệu dân cư phục vụ rà soát hộ nghèo năm 2026", neighbours,
              submit=False)
        qd = draft("quyet_dinh", "Quyết định thành lập Tổ công tác chuyển đổi số Phường Sài Gòn", divisions)
        qd2 = draft("quyet_dinh", "Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân Phường Sài Gòn",
                    divisions)
        for username in ("tp1.saigon", "tp2.saigon"):
            D.do_approve(session, people[username], qd2.id, qd2.version, "Thống nhất nội dung dự thảo.")
        draft("cong_van", "Báo cáo tình hình trật tự đô thị trên địa bàn phường tháng 11", neighbours)
        back = draft("cong_van", "Hướng dẫn tổ chức lấy ý kiến Nhân dân về chỉnh trang vỉa hè", neighbours)
        D.do_return(session, ct, back.id, back.version, "Bổ sung thời gian và địa điểm lấy ý kiến.")
        cvan = draft("cong_van", "Đôn đốc thực hiện kế hoạch chống ngập mùa mưa năm 2026", neighbours)
        D.do_sign(session, ct, cvan.id, cvan.version, "")
        issued = draft("quyet_dinh", "Quyết định kiện toàn Ban Chỉ đạo phòng, chống thiên tai phường", divisions)
        for username in ("tp1.saigon", "tp2.saigon", "pct1.saigon"):
            D.do_approve(session, people[username], issued.id, issued.version, "")
        D.do_sign(session, ct, issued.id, issued.version, "")
        tt = draft("to_trinh", "Tờ trình đề nghị phê duyệt dự toán sửa chữa trụ sở khu phố 3", [])
        D.do_approve(session, people["tp1.saigon"], tt.id, tt.version, "")
    session.flush()
    del qd
    return added
