"""Demo and benchmark tasks.

``seed_demo_tasks`` tells a few weeks of the city's work through the real ``do_*`` services, with the clock
moved back for each step, so that signing in as chutich, ct.saigon or cv.saigon shows a living inbox: directives
from the Government Office, the City Party Committee and the City People's Committee fanned out to departments and
wards, tasks in every state, overdue ones, ones done late, a returned report, pending extension requests and
sub-tasks delegated inside Phường Sài Gòn. It is deterministic for a given seeding day.

``seed_scale_tasks`` bulk-writes millions of tasks (with their notifications and audit rows) for benchmarks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, text, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    Directive,
    Notification,
    Official,
    Position,
    Task,
    Unit,
)
from govhub.services.core.text import fold
from govhub.services.tasks import actions as T
from govhub.services.tasks import tally
from govhub.services.tasks.access import unit_head
from govhub.services.tasks.quick_assign import DirectiveSpec, do_quick_assign, preset_ids

# --------------------------------------------------------------------------------------------------------------
# The demo story
# --------------------------------------------------------------------------------------------------------------


@contextmanager
def moved_clock() -> Iterator[Callable[[int, int], None]]:
    """Yield ``at(day, hour)``: set the clock to ``hour`` o'clock (city time) ``day`` days from the real today;
    the clock is put back afterwards, whatever happens."""
    saved = clock._offset
    base = saved or timedelta(0)
    real_now = clock.now()
    local = real_now.astimezone(clock.city_zone())

    def at(day: int, hour: int = 9) -> None:
        wanted = local.replace(hour=hour, minute=(day * 7) % 60, second=0, microsecond=0) + timedelta(days=day)
        wanted = min(wanted, local - timedelta(minutes=10))  # never in the future
        clock._offset = base + (wanted - local)

    try:
        yield at
    finally:
        clock._offset = saved


class _Story:
    """The demo's cast and a few helpers around the services."""

    def __init__(self, session: Session, at: Callable[[int, int], None]) -> None:
        self.s = session
        self.at = at
        self.today = clock.today()
        self.rng = random.Random(2026)
        names = ["chutich", "pct1", "pct2", "pct3", "gd.taichinh", "ct.saigon", "pct1.saigon", "tp1.saigon",
                 "tp2.saigon", "cv.saigon", "ct.bencat"]
        rows = session.exec(select(Official).where(Official.username.in_(names))).all()
        self.p = {o.username: o for o in rows}

    def day(self, n: int) -> date:
        return self.today + timedelta(days=n)

    def unit(self, code: str) -> Unit:
        return self.s.exec(select(Unit).where(Unit.code == code)).one()

    def version(self, task_id: int) -> int:
        return self.s.get(Task, task_id).version

    def owner(self, task_id: int) -> Official:
        return self.s.get(Official, self.s.get(Task, task_id).owner_id)

    def assigner(self, task_id: int) -> Official:
        return self.s.get(Official, self.s.get(Task, task_id).assigner_id)

    # one step each; the actor defaults to the task's owner (assignee side) or assigner
    def receive(self, tid: int, who: Official | None = None) -> None:
        T.do_receive(self.s, who or self.owner(tid), tid, self.version(tid))

    def report(self, tid: int, percent: int, words: str, who: Official | None = None) -> None:
        T.do_report(self.s, who or self.owner(tid), tid, self.version(tid), percent, words)

    def submit(self, tid: int, words: str, who: Official | None = None) -> None:
        T.do_submit(self.s, who or self.owner(tid), tid, self.version(tid), words)

    def accept(self, tid: int, words: str = "", who: Official | None = None) -> None:
        T.do_accept(self.s, who or self.assigner(tid), tid, self.version(tid), words)

    def give_back(self, tid: int, reason: str, who: Official | None = None) -> None:
        T.do_return(self.s, who or self.assigner(tid), tid, self.version(tid), reason)

    def cancel(self, tid: int, reason: str, who: Official | None = None) -> None:
        T.do_cancel(self.s, who or self.assigner(tid), tid, self.version(tid), reason)

    def ask_more_time(self, tid: int, proposed: date, reason: str, who: Official | None = None) -> int:
        return T.do_request_extension(self.s, who or self.owner(tid), tid, self.version(tid), proposed, reason).id

    def decide(self, request_id: int, approve: bool, note: str, who: Official) -> None:
        T.do_decide_extension(self.s, who, request_id, approve, note)

    def assign(self, who: str, title: str, deadline: int | None, *, unit: str | None = None,
               official: str | None = None, priority: str = "normal", content: str = "",
               directive: int | None = None, coordinators: list[str] | None = None) -> int:
        spec = T.NewTask(title=title, content=content, deadline=self.day(deadline) if deadline is not None else None,
                         priority=priority)
        task = T.do_assign(self.s, self.p[who], spec, unit_id=self.unit(unit).id if unit else None,
                           official_id=self.p[official].id if official else None, directive_id=directive,
                           coordinators=[self.unit(c).id for c in coordinators or []])
        return task.id

    def delegate(self, parent: int, title: str, deadline: int | None, *, unit: str | None = None,
                 official: str | None = None, who: Official | None = None, priority: str = "normal") -> int:
        spec = T.NewTask(title=title, deadline=self.day(deadline) if deadline is not None else None,
                         priority=priority)
        child = T.do_delegate(self.s, who or self.owner(parent), parent, self.version(parent), spec,
                              unit_id=self.unit(unit).id if unit else None,
                              official_id=self.p[official].id if official else None)
        return child.id

    def directive(self, who: str, source: str, number: str, issued: int, summary: str) -> int:
        row = Directive(source=source, number=number, issued_on=self.day(issued), summary=summary,
                        created_by_id=self.p[who].id, unit_id=self.p[who].unit_id, created_at=clock.now())
        self.s.add(row)
        self.s.flush()
        return row.id

    def fan_out(self, who: str, preset: str, spec: DirectiveSpec, title: str, deadline: int,
                priority: str = "normal", content: str = "") -> list[int]:
        actor = self.p[who]
        task = T.NewTask(title=title, content=content, deadline=self.day(deadline), priority=priority)
        _, ids = do_quick_assign(self.s, actor, spec, task, preset_ids(self.s, actor, preset))
        return ids


def seed_demo_tasks(session: Session) -> int:
    """Write the demo story (once: a second call finds tasks and does nothing). Returns the tasks added."""
    if session.exec(select(Task.id).limit(1)).first() is not None:
        return 0
    if session.exec(select(Official.id).where(Official.username == "chutich")).first() is None:
        return 0
    with moved_clock() as at:
        story = _Story(session, at)
        _government_office_notice(story)
        _party_conclusion(story)
        _communes_drought(story)
        _saigon_sidewalks(story)
        _saigon_canal_report(story)
        _finance(story)
        _ben_cat(story)
        _saigon_inside(story)
        _cancelled(story)
        _quarterly_report(story)
        _mark_old_notifications_read(session)
    return session.exec(select(func.count()).select_from(Task)).one()


def _government_office_notice(st: _Story) -> None:
    """Government Office notice → the 16 agencies: on time, late, overdue, awaiting review, returned."""
    st.at(-44)
    spec = DirectiveSpec(source="government_office", number="512/TB-VPCP", issued_on=st.day(-45),
                         summary="Thông báo kết luận của Thủ tướng Chính phủ tại cuộc họp về đẩy mạnh giải ngân "
                                 "vốn đầu tư công năm 2026 tại Thành phố Hồ Chí Minh.")
    st.at(-42, 8)
    ids = st.fan_out("chutich", "departments", spec,
                     "Đẩy mạnh giải ngân vốn đầu tư công năm 2026 theo Thông báo số 512/TB-VPCP", -10,
                     priority="urgent",
                     content="Rà soát từng dự án chậm giải ngân, báo cáo nguyên nhân, giải pháp và cam kết tiến độ; "
                             "đề xuất điều chuyển vốn các dự án không có khả năng giải ngân.")
    st.at(-41)
    for tid in ids[:-1]:
        st.receive(tid)
    st.at(-30, 15)
    for tid in ids[:13]:
        st.report(tid, 40 + st.rng.randrange(0, 40, 10), "Đã rà soát danh mục dự án, đang làm việc với chủ đầu tư.")
    st.at(-14, 10)
    for tid in ids[:6]:  # on time
        st.submit(tid, "Báo cáo kết quả rà soát và kế hoạch giải ngân chi tiết đến ngày 31/12 (đính kèm phụ lục).")
    st.at(-12, 14)
    for tid in ids[:6]:
        st.accept(tid, "Đồng ý kết quả báo cáo.")
    st.at(-9, 10)
    st.submit(ids[14], "Đã hoàn thành rà soát.")  # to be returned
    st.at(-8, 16)
    st.give_back(ids[14], "Báo cáo chưa nêu rõ dự án chậm giải ngân và trách nhiệm của chủ đầu tư; đề nghị bổ sung.")
    st.at(-6, 9)
    for tid in ids[6:10]:  # late
        st.submit(tid, "Báo cáo kết quả thực hiện (chậm do chờ số liệu của Kho bạc).")
    st.at(-5, 15)
    for tid in ids[6:10]:
        st.accept(tid, "Ghi nhận; lưu ý bảo đảm thời hạn các lần sau.")
    st.at(-2, 11)
    st.submit(ids[13], "Báo cáo kết quả giải ngân và kiến nghị điều chuyển vốn.")  # awaiting chutich's review
    # ids[10:13] stay in progress past the deadline (overdue); ids[15] was never received.


def _party_conclusion(st: _Story) -> None:
    """City Party Committee conclusion → the 113 wards by a vice chairman, states spread."""
    st.at(-21)
    spec = DirectiveSpec(source="city_party_committee", number="1024-KL/TU", issued_on=st.day(-23),
                         summary="Kết luận của Ban Thường vụ Thành ủy về đẩy mạnh chuyển đổi số, hoàn thiện cơ sở "
                                 "dữ liệu dân cư và đất đai phục vụ chính quyền địa phương hai cấp.")
    ids = st.fan_out("pct1", "wards", spec,
                     "Rà soát, làm sạch dữ liệu dân cư và đất đai theo Kết luận số 1024-KL/TU", 5,
                     content="Đối chiếu dữ liệu dân cư với dữ liệu đất đai; cập nhật các trường hợp sai lệch; "
                             "báo cáo số liệu theo biểu mẫu gửi kèm.")
    saigon = st.unit("26740").id
    rng = st.rng
    leads = dict(st.s.exec(select(Task.id, Task.lead_unit_id).where(Task.id.in_(ids))).all())
    plan = {tid: "in_progress" if leads[tid] == saigon else rng.choices(
        ["new", "received", "in_progress", "submitted", "accepted"], [40, 25, 20, 10, 5])[0] for tid in ids}
    st.at(-19)
    for tid, state in plan.items():
        if state != "new":
            st.receive(tid)
    st.at(-10, 16)
    for tid, state in plan.items():
        if state in ("in_progress", "submitted", "accepted"):
            st.report(tid, rng.randrange(20, 90, 10), "Đã đối chiếu xong dữ liệu các khu phố 1 đến 4.")
    sg = next(t for t in ids if leads[t] == saigon)
    st.at(-9, 10)
    st.delegate(sg, "Đối chiếu dữ liệu dân cư khu phố 1 đến 5 với sổ hộ tịch", 2, official="cv.saigon")
    econ = st.delegate(sg, "Rà soát biến động đất đai năm 2025-2026 trên địa bàn phường", 1, unit="26740-P2")
    st.at(-8, 9)
    st.receive(econ)
    st.at(-4, 15)
    st.submit(econ, "Đã rà soát 1.284 thửa đất; 37 trường hợp sai lệch đã cập nhật.")
    st.at(-3, 10)
    st.accept(econ, "Đạt yêu cầu.")
    st.at(-2, 9)
    for tid, state in plan.items():
        if state in ("submitted", "accepted"):
            st.submit(tid, "Hoàn thành rà soát, gửi kèm biểu tổng hợp.")
    st.at(-1, 14)
    for tid, state in plan.items():
        if state == "accepted":
            st.accept(tid, "Đồng ý.")


def _communes_drought(st: _Story) -> None:
    """A vice chairman's notice → the 55 communes and the special zone."""
    st.at(-7)
    spec = DirectiveSpec(source="city_pc_standing", number="178/TB-VP", issued_on=st.day(-8),
                         summary="Thông báo kết luận của Thường trực UBND Thành phố về phòng, chống hạn hán, "
                                 "xâm nhập mặn mùa khô 2026-2027.")
    ids = st.fan_out("pct2", "communes", spec,
                     "Xây dựng phương án phòng, chống hạn hán, xâm nhập mặn mùa khô 2026-2027", 20,
                     content="Kiểm tra hệ thống cống, đê bao; dự trữ nước sinh hoạt cho các khu dân cư vùng ven.")
    st.at(-6)
    for tid in ids[::3]:
        st.receive(tid)


def _saigon_sidewalks(st: _Story) -> None:
    """chutich → Phường Sài Gòn, with coordinating agencies, delegated inside; an extension request pending."""
    st.at(-26)
    d = st.directive("chutich", "city_pc", "1502/UBND-VP", -26,
                     "Chỉ đạo lập lại trật tự lòng đường, vỉa hè khu vực trung tâm Thành phố.")
    tid = st.assign("chutich", "Lập lại trật tự lòng đường, vỉa hè các tuyến Lê Lợi, Nguyễn Huệ, Đồng Khởi", 3,
                    unit="26740", priority="urgent", directive=d, coordinators=["S-SXD"],
                    content="Phối hợp Sở Xây dựng xử lý dứt điểm các trường hợp lấn chiếm; báo cáo kết quả hằng tuần.")
    st.at(-25)
    st.receive(tid)
    st.at(-24, 10)
    st.delegate(tid, "Thống kê các điểm lấn chiếm vỉa hè trên các tuyến trung tâm", 1, official="cv.saigon")
    st.delegate(tid, "Lập kế hoạch ra quân, phân công lực lượng trật tự đô thị", 2, unit="26740-P2")
    st.at(-10, 16)
    st.report(tid, 50, "Đã ra quân 6 đợt, xử lý 142 trường hợp lấn chiếm; còn 3 tuyến hẻm phức tạp.")
    st.at(-1, 10)
    st.ask_more_time(tid, st.day(20), "Cần thêm thời gian để vận động các hộ kinh doanh tháo dỡ mái che "
                                      "và phối hợp Sở Xây dựng hoàn thiện phương án tổ chức giao thông.")


def _saigon_canal_report(st: _Story) -> None:
    """chutich → Phường Sài Gòn: a report returned for more figures (overdue, back to the ward)."""
    st.at(-30)
    tid = st.assign("chutich", "Báo cáo tiến độ chỉnh trang, vệ sinh kênh Nhiêu Lộc - Thị Nghè đoạn qua phường", -5,
                    unit="26740")
    st.at(-29)
    st.receive(tid)
    st.at(-6, 15)
    st.submit(tid, "Đã tổ chức nạo vét, thu gom rác và vận động người dân không xả thải.")
    st.at(-5, 9)
    st.give_back(tid, "Báo cáo chưa có số liệu cụ thể về khối lượng nạo vét và kinh phí; đề nghị bổ sung.")
    # and an earlier one, extended once and then done on time
    st.at(-36)
    done = st.assign("pct1", "Tổ chức Ngày hội hiến máu tình nguyện trên địa bàn phường", -20, unit="26740")
    st.at(-35)
    st.receive(done)
    st.at(-23)
    req = st.ask_more_time(done, st.day(-12), "Lùi thời gian tổ chức để phối hợp với Bệnh viện Truyền máu Huyết học.")
    st.at(-22)
    st.decide(req, True, "Đồng ý gia hạn.", st.p["pct1"])
    st.at(-14)
    st.submit(done, "Đã tổ chức, tiếp nhận 612 đơn vị máu.")
    st.at(-13)
    st.accept(done, "Biểu dương phường.")


def _finance(st: _Story) -> None:
    """chutich → Department of Finance: one delegated to a division, one refused an extension and submitted late."""
    st.at(-15)
    tid = st.assign("chutich", "Tham mưu phương án phân bổ dự toán ngân sách năm 2027", 10, unit="S-STC",
                    priority="urgent")
    st.at(-14)
    st.receive(tid)
    head = unit_head(st.s, st.unit("S-STC-P3").id)
    st.delegate(tid, "Tổng hợp nhu cầu vốn của các sở, ngành và phường, xã", 6, unit="S-STC-P3")
    child = st.s.exec(select(Task.id).where(Task.parent_id == tid)).one()
    st.at(-13)
    st.receive(child, head)
    st.at(-4, 11)
    st.report(child, 60, "Đã tổng hợp nhu cầu của 16 sở, ngành và 120/168 phường, xã.", head)

    st.at(-20)
    late = st.assign("chutich", "Thẩm định phương án tự chủ tài chính của các đơn vị sự nghiệp công lập", -3,
                     unit="S-STC")
    st.at(-19)
    st.receive(late)
    st.at(-5)
    req = st.ask_more_time(late, st.day(7), "Các đơn vị gửi hồ sơ chậm, cần thêm thời gian thẩm định.")
    st.at(-4)
    st.decide(req, False, "Đề nghị khẩn trương hoàn thành theo thời hạn đã giao.", st.p["chutich"])
    st.at(-1, 16)
    st.submit(late, "Đã thẩm định 42/45 phương án; 3 đơn vị đề nghị hoàn thiện hồ sơ.")


def _ben_cat(st: _Story) -> None:
    """chutich → Phường Bến Cát: submitted, awaiting his review."""
    st.at(-18)
    tid = st.assign("chutich", "Giải quyết kiến nghị của cử tri về ngập nước tại đường ĐT741 đoạn qua phường", 4,
                    unit="25813", priority="urgent")
    st.at(-17)
    st.receive(tid)
    st.at(-3, 10)
    st.report(tid, 80, "Đã khơi thông cống thoát nước, lắp đặt 2 trạm bơm tạm.")
    st.at(0, 8)
    st.submit(tid, "Đã xử lý xong; sau các trận mưa lớn tuần qua không còn ngập.")


def _saigon_inside(st: _Story) -> None:
    """The ward's own work: ct.saigon and his deputy → the office division and cv.saigon."""
    st.at(-12)
    talk = st.assign("ct.saigon", "Tham mưu kế hoạch tổ chức Hội nghị đối thoại với Nhân dân năm 2026", -2,
                     official="cv.saigon")
    st.at(-11)
    st.receive(talk)
    st.at(-7, 15)
    st.report(talk, 30, "Đã dự thảo kế hoạch, đang lấy ý kiến các khu phố.")
    st.at(0, 8)
    st.ask_more_time(talk, st.day(5), "Chờ ý kiến của Mặt trận Tổ quốc phường về thành phần mời.")

    st.at(-9)
    docs = st.assign("ct.saigon", "Rà soát, công bố công khai thủ tục hành chính tại bộ phận một cửa", -1,
                     official="cv.saigon")
    st.at(-8)
    st.receive(docs)
    st.at(-4, 10)
    st.submit(docs, "Đã rà soát 96 thủ tục, niêm yết tại bộ phận một cửa.")
    st.at(-3, 9)
    st.give_back(docs, "Thiếu danh mục thủ tục thực hiện trực tuyến toàn trình; đề nghị bổ sung.")

    st.at(-2)
    st.assign("ct.saigon", "Cập nhật hồ sơ tồn đọng trên Hệ thống thông tin giải quyết thủ tục hành chính", 4,
              official="cv.saigon", priority="urgent")
    st.at(-1)
    st.assign("pct1.saigon", "Chuẩn bị nội dung họp giao ban tuần", 2, official="cv.saigon")

    st.at(-16)
    report = st.assign("ct.saigon", "Báo cáo tình hình kinh tế - xã hội tháng 11", -6, unit="26740-P1")
    st.at(-15)
    st.receive(report)
    st.at(-4, 17)
    st.submit(report, "Báo cáo tình hình kinh tế - xã hội tháng 11 và phương hướng tháng 12.")  # late
    st.at(-3, 8)
    st.accept(report, "Đồng ý.")

    st.at(-6)
    plan = st.assign("ct.saigon", "Xây dựng kế hoạch trang trí, chiếu sáng đón Tết Nguyên đán", 8, unit="26740-P2")
    st.at(-5)
    st.receive(plan)
    st.at(-1, 15)
    st.submit(plan, "Dự thảo kế hoạch trang trí các tuyến đường chính và khu vực công cộng.")  # ct.saigon's review


def _cancelled(st: _Story) -> None:
    """A task withdrawn by the assigner; its open sub-task is cancelled with it."""
    st.at(-11)
    tid = st.assign("pct3", "Khảo sát địa điểm xây dựng bãi giữ xe ngầm khu vực chợ Bến Thành", 15, unit="26743")
    st.at(-10)
    st.receive(tid)
    ct = st.owner(tid)
    st.delegate(tid, "Khảo sát hiện trạng và lấy ý kiến các hộ kinh doanh", 12, unit="26743-P2", who=ct)
    st.at(-4)
    st.cancel(tid, "Thành phố giao Sở Xây dựng chủ trì nghiên cứu trong đề án chung.")


def _quarterly_report(st: _Story) -> None:
    """A city document to all 184 agencies and local units, due soon: the newest item in most inboxes."""
    st.at(-3, 8)
    spec = DirectiveSpec(source="city_pc", number="2345/UBND-VP", issued_on=st.day(-3),
                         summary="Về báo cáo kết quả vận hành chính quyền địa phương hai cấp quý IV năm 2026.")
    ids = st.fan_out("chutich", "all", spec,
                     "Báo cáo kết quả vận hành chính quyền địa phương hai cấp quý IV năm 2026", 2, priority="urgent",
                     content="Báo cáo theo đề cương gửi kèm; nêu rõ khó khăn, vướng mắc và kiến nghị.")
    st.at(-2)
    for tid in ids[::4]:
        st.receive(tid)


def _mark_old_notifications_read(session: Session) -> None:
    """What people have already seen: everything older than two days."""
    cutoff = clock.now() - timedelta(days=2)
    session.execute(update(Notification).where(Notification.created_at < cutoff, Notification.read_at.is_(None))
                    .values(read_at=clock.now()))


# --------------------------------------------------------------------------------------------------------------
# City-scale tasks for benchmarks
# --------------------------------------------------------------------------------------------------------------

CITY_TITLES = [
    "Triển khai thực hiện Kết luận của Ban Thường vụ Thành ủy về chuyển đổi số",
    "Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội",
    "Đẩy mạnh giải ngân vốn đầu tư công",
    "Rà soát, xử lý dứt điểm hồ sơ thủ tục hành chính trễ hạn",
    "Tăng cường công tác phòng, chống dịch sốt xuất huyết",
    "Kiểm tra công tác phòng cháy, chữa cháy tại khu dân cư",
    "Lập lại trật tự lòng đường, vỉa hè",
    "Triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư",
    "Báo cáo kết quả thực hiện chính quyền địa phương hai cấp",
    "Tổ chức lấy ý kiến Nhân dân về dự thảo văn bản quy phạm pháp luật",
    "Rà soát các dự án chậm triển khai, đề xuất thu hồi",
    "Chuẩn bị nội dung làm việc với Đoàn giám sát của Hội đồng nhân dân Thành phố",
    "Giải quyết kiến nghị của cử tri trước kỳ họp",
    "Triển khai các giải pháp chống ngập nước",
    "Bảo đảm an toàn thực phẩm dịp Tết Nguyên đán",
    "Thực hiện chính sách an sinh xã hội, chăm lo người có công",
    "Kiểm tra, xử lý vi phạm trật tự xây dựng",
    "Rà soát quy hoạch sử dụng đất",
    "Triển khai Chỉ thị về tăng cường kỷ luật, kỷ cương hành chính",
    "Tổng kết công tác cải cách hành chính",
]
UNIT_TITLES = [
    "Tổng hợp số liệu, báo cáo", "Rà soát hồ sơ, danh sách", "Dự thảo kế hoạch triển khai",
    "Kiểm tra thực tế tại khu phố", "Tham mưu văn bản chỉ đạo", "Phối hợp các đơn vị liên quan",
    "Cập nhật dữ liệu trên hệ thống", "Chuẩn bị tài liệu họp",
]
SOURCES = [("government_office", "TB-VPCP"), ("city_party_committee", "KL-TU"), ("city_party_standing", "TB-TU"),
           ("city_council", "NQ-HĐND"), ("city_pc", "UBND-VP"), ("city_pc_standing", "TB-VP")]
PRESET_WEIGHTS = [("all", 30), ("wards", 35), ("communes", 20), ("departments", 15)]
HISTORY_DAYS = 365
BATCH = 20_000


class _BulkWriter:
    """Buffers rows per table and writes them in batches: COPY on PostgreSQL, executemany on SQLite."""

    COLUMNS = {
        "directive": ("id", "source", "number", "issued_on", "summary", "created_by_id", "unit_id", "created_at"),
        "task": ("id", "title", "content", "directive_id", "parent_id", "assigner_id", "assigner_unit_id",
                 "lead_unit_id", "owner_id", "deadline", "priority", "progress", "state", "title_folded",
                 "created_at", "updated_at", "submitted_at", "done_at", "done_on", "version"),
        "deadline_change": ("task_id", "old_deadline", "new_deadline", "changed_by_id", "reason", "at"),
        "audit_event": ("at", "actor_id", "action", "object_type", "object_id", "detail", "client_ip"),
        "notification": ("recipient_id", "kind", "task_id", "actor_id", "params", "link", "created_at", "read_at"),
        "extension_request": ("task_id", "requested_by_id", "decider_id", "old_deadline", "proposed_deadline",
                              "reason", "status", "decision_note", "decided_at", "at"),
    }
    ORDER = ("directive", "task", "deadline_change", "audit_event", "notification", "extension_request")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.rows: dict[str, list[tuple]] = {t: [] for t in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.ORDER, 0)
        self.raw = session.connection().connection.dbapi_connection

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def flush_if_full(self) -> bool:
        """Write the buffered rows once a batch of tasks is waiting; whether it did."""
        if len(self.rows["task"]) < BATCH:
            return False
        self.flush()
        return True

    def flush(self) -> None:
        cur = self.raw.cursor()
        try:
            for table in self.ORDER:  # parents before the rows that point at them
                rows = self.rows[table]
                if not rows:
                    continue
                cols = self.COLUMNS[table]
                if self.pg:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                    rows)
                self.written[table] += len(rows)
                self.rows[table] = []
        finally:
            cur.close()

    def finish(self) -> None:
        """Write what is left; on PostgreSQL, move each table's id sequence past the ids written (COPY with
        explicit ids does not)."""
        self.flush()
        if self.pg:
            for table in self.ORDER:
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                          f"(SELECT coalesce(max(id), 1) FROM {table}))"))


class _Calendar:
    """Dates and instants in the form the backend takes (objects for PostgreSQL, text for SQLite), cached."""

    def __init__(self, pg: bool) -> None:
        self.pg = pg
        self.today = clock.today()
        self.zone = clock.city_zone()
        self._days: dict[int, object] = {}
        self._stamps: dict[tuple[int, int], object] = {}
        self.now_stamp = self.stamp(0, 0)

    def day(self, ago: int):  # noqa: ANN201
        """The date ``ago`` days before today (negative: in the future)."""
        value = self._days.get(ago)
        if value is None:
            d = self.today - timedelta(days=ago)
            value = self._days[ago] = d if self.pg else d.isoformat()
        return value

    def date(self, ago: int) -> date:
        return self.today - timedelta(days=ago)

    def stamp(self, ago: int, hour: int):  # noqa: ANN201
        """An instant at ``hour`` o'clock (city time) ``ago`` days ago, never later than now."""
        key = (ago, hour)
        value = self._stamps.get(key)
        if value is None:
            d = self.today - timedelta(days=ago)
            local = datetime(d.year, d.month, d.day, hour, 0, tzinfo=self.zone)
            instant = min(local.astimezone(UTC), clock.now())
            value = self._stamps[key] = instant if self.pg else instant.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value


class _ScaleCity:
    """The people and units tasks are spread over."""

    def __init__(self, session: Session) -> None:
        heads: dict[int, int] = {}
        for unit_id, official_id in session.exec(
                select(Official.unit_id, Official.id).join(Position, Position.id == Official.position_id)
                .where(Official.active.is_(True), Position.is_head.is_(True))
                .order_by(Official.unit_id, Position.rank.desc(), Official.id.desc())).all():
            heads[unit_id] = official_id  # the last row per unit wins: its top head
        units = session.exec(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).all()
        self.city = next(u for u in units if u.kind == "city")
        self.kinds = {u.id: u.kind for u in units}
        top_kinds = {"all": ("office", "department", "inspectorate", "ward", "commune", "special_zone"),
                     "wards": ("ward",), "communes": ("commune", "special_zone"),
                     "departments": ("office", "department", "inspectorate")}
        self.presets = {name: [u.id for u in units if u.kind in kinds and u.parent_id == self.city.id and u.id in heads]
                        for name, kinds in top_kinds.items()}
        self.heads = heads
        staff: dict[int, list[int]] = {}
        for unit_id, official_id in session.exec(
                select(Official.unit_id, Official.id).join(Position, Position.id == Official.position_id)
                .where(Official.active.is_(True), Position.is_head.is_(False), Position.is_deputy.is_(False))
                .order_by(Official.id)).all():
            staff.setdefault(unit_id, []).append(official_id)
        self.divisions: dict[int, list[tuple[int, int, list[int]]]] = {}
        for u in units:
            if u.kind == "division" and u.parent_id is not None and u.id in heads:
                self.divisions.setdefault(u.parent_id, []).append((u.id, heads[u.id], staff.get(u.id, [])))
        leaders = dict(session.exec(select(Official.username, Official.id).where(
            Official.username.in_(["chutich", "pct1", "pct2", "pct3", "pct4", "pct5"]))).all())
        self.assigners = [(leaders["chutich"], 30)] + [(leaders[f"pct{i}"], 14) for i in range(1, 6)
                                                       if f"pct{i}" in leaders]


def seed_scale_tasks(session: Session, tasks: int, *, progress: Callable[[str], None] | None = None) -> int:
    """Add generated directives and tasks (with deadline history, audit rows, notifications and pending extension
    requests) until there are about ``tasks`` tasks. City directives fan out to the 184 agencies and local units,
    whose heads delegate to divisions and staff; states and deadlines are spread over a year so that the busiest
    officials have thousands of open items. Returns the number of tasks added."""
    have = session.exec(select(func.count()).select_from(Task)).one()
    need = tasks - have
    if need <= 0:
        return 0
    city = _ScaleCity(session)
    writer = _BulkWriter(session)
    cal = _Calendar(writer.pg)
    rng = random.Random(2_000_000 + have)
    next_task = (session.exec(select(func.max(Task.id))).one() or 0) + 1
    next_directive = (session.exec(select(func.max(Directive.id))).one() or 0) + 1
    folded = {t: fold(t) for t in CITY_TITLES + UNIT_TITLES}
    preset_names = [p for p, _ in PRESET_WEIGHTS]
    preset_weights = [w for _, w in PRESET_WEIGHTS]
    assigner_ids = [a for a, _ in city.assigners]
    assigner_weights = [w for _, w in city.assigners]
    started = time.perf_counter()
    added = 0

    def emit(task_id: int, title: str, directive_id: int, parent_id: int | None, assigner: int, assigner_unit: int,
             lead_unit: int, owner: int, created: int, deadline: int | None, state: str, done: tuple | None,
             priority: str, children: int, hour: int) -> None:
        """One task with its deadline history, audit rows, notifications and maybe an extension request.
        Days are counted back from today (``created``, ``deadline``: days ago; negative = in the future)."""
        progress_ = {"new": 0, "received": 0, "submitted": 100, "accepted": 100}.get(state)
        if progress_ is None:
            progress_ = rng.randrange(10, 95, 5)
        created_at = cal.stamp(created, hour)
        submitted_at = done_at = done_on = None
        last = created_at
        if state == "accepted":
            done_day, accepted_day = done
            submitted_at, done_at, done_on = cal.stamp(done_day, 15), cal.stamp(accepted_day, 10), cal.day(done_day)
            last = done_at
        elif state == "submitted":
            submitted_at = last = cal.stamp(done[0], 15)
        elif state != "new":
            last = cal.stamp(max(0, min(created - 1, created - (task_id % 5))), 16)
        version = {"new": 1, "received": 2, "in_progress": 3, "submitted": 4, "accepted": 5, "returned": 5,
                   "cancelled": 3}[state] + children
        deadline_value = cal.day(deadline) if deadline is not None else None
        writer.add("task", (task_id, title, "", directive_id, parent_id, assigner, assigner_unit, lead_unit, owner,
                            deadline_value, priority, progress_, state, folded[title], created_at, last,
                            submitted_at, done_at, done_on, version))
        extension = None
        if deadline is not None and state != "new" and task_id % 29 == 0:
            # Requests are decided within days: the pending ones are about deadlines close to today.
            if state in ("received", "in_progress", "returned") and -20 <= deadline <= 15:
                extension = "pending"
            else:
                extension = "approved" if task_id % 2 and created - deadline > 12 else "rejected"
        if extension == "approved":  # the deadline was moved 10 days later
            asked = min(created, max(0, deadline + 11))
            writer.add("deadline_change", (task_id, None, cal.day(deadline + 10), assigner, "", created_at))
            writer.add("deadline_change", (task_id, cal.day(deadline + 10), deadline_value, assigner,
                                           "Cần thêm thời gian để hoàn thành", cal.stamp(max(0, asked - 1), 9)))
        else:
            writer.add("deadline_change", (task_id, None, deadline_value, assigner, "", created_at))
        if extension:
            asked = min(created, max(0, deadline + (11 if extension == "approved" else 1)))
            old, proposed = (deadline + 10, deadline) if extension == "approved" else (deadline, deadline - 14)
            decided = None if extension == "pending" else cal.stamp(max(0, asked - 1), 9)
            writer.add("extension_request", (task_id, owner, assigner, cal.day(old), cal.day(proposed),
                                             "Cần thêm thời gian để hoàn thành", extension,
                                             "" if extension == "pending" else "Ý kiến của lãnh đạo", decided,
                                             cal.stamp(asked, 16)))
            writer.add("audit_event", (cal.stamp(asked, 16), owner, "task.extension_requested", "task", task_id,
                                       '{"version": 2}', ""))
            if decided is not None:
                writer.add("audit_event", (decided, assigner, f"task.extension_{extension}", "task", task_id,
                                           '{"version": 3}', ""))
        writer.add("audit_event", (created_at, assigner, "task.created", "task", task_id, '{"version": 1}', ""))
        if state != "new":
            actor = assigner if state in ("accepted", "returned", "cancelled") else owner
            action = {"in_progress": "progress", "returned": "returned"}.get(state, state)
            writer.add("audit_event", (last, actor, f"task.{action}", "task", task_id,
                                       f'{{"version": {version}}}', ""))
        read = cal.stamp(max(created - 1, 0), 18) if created > 3 else None
        writer.add("notification", (owner, "task_assigned", task_id, assigner, '{"title": "' + title + '"}',
                                    f"/tasks/{task_id}", created_at, read))
        if state == "submitted":
            writer.add("notification", (assigner, "task_submitted", task_id, owner, '{"title": "' + title + '"}',
                                        f"/tasks/{task_id}", submitted_at, None))

    def outcome(created: int, deadline: int | None, parent_state: str | None) -> tuple[str, tuple | None]:
        """A state consistent with the dates (and with the parent's), and (done day, accepted day) if any."""
        due = deadline if deadline is not None else created - 30
        r = rng.random()
        if parent_state in ("accepted", "submitted") or (parent_state == "cancelled" and r < 0.3):
            state = "accepted" if r < 0.95 or parent_state == "cancelled" else "cancelled"
        elif parent_state == "cancelled":
            state = "cancelled"
        elif due > 10 or created > 60:  # long past: mostly done
            state = ("accepted" if r < 0.73 else "cancelled" if r < 0.78 else
                     rng.choices(["new", "received", "in_progress", "submitted", "returned"], [15, 20, 40, 15, 10])[0])
        else:
            state = rng.choices(["new", "received", "in_progress", "submitted", "returned", "accepted", "cancelled"],
                                [25, 20, 30, 12, 3, 8, 2])[0]
        if state == "accepted":  # done on time (on or before the deadline) or late; never before it was given
            if due >= 1 and rng.random() < 0.22:
                done_day = rng.randint(max(0, due - 20), due - 1)
            else:
                done_day = rng.randint(max(due, 0), created)
            return state, (done_day, max(0, done_day - rng.randint(0, 2)))
        if state == "submitted":
            return state, (rng.randint(0, created),)
        return state, None

    while added < need:
        directive_id, next_directive = next_directive, next_directive + 1
        assigner = rng.choices(assigner_ids, assigner_weights)[0]
        issued = rng.randint(0, HISTORY_DAYS)
        source, suffix = rng.choice(SOURCES)
        title = rng.choice(CITY_TITLES)
        writer.add("directive", (directive_id, source, f"{1 + directive_id % 9000}/{suffix}", cal.day(issued + 2),
                                 title, assigner, city.city.id, cal.stamp(issued, 8)))
        priority = rng.choices(["normal", "urgent", "flash"], [80, 15, 5])[0]
        for unit_id in city.presets[rng.choices(preset_names, preset_weights)[0]]:
            if added >= need:
                break
            created = issued
            deadline = created - rng.randint(7, 45) if rng.random() > 0.05 else None
            state, done = outcome(created, deadline, None)
            owner = city.heads[unit_id]
            parent_id, next_task = next_task, next_task + 1
            subs = city.divisions.get(unit_id, [])
            n_children = rng.choice((0, 0, 1, 1, 2, 3)) if subs and state not in ("new", "received") else 0
            n_children = min(n_children, need - added - 1)
            emit(parent_id, title, directive_id, None, assigner, city.city.id, unit_id, owner, created, deadline,
                 state, done, priority, n_children, 8)
            added += 1
            for _ in range(n_children):
                division, division_head, staff = rng.choice(subs)
                c_created = max(0, created - rng.randint(0, 3))
                c_deadline = None if deadline is None else max(deadline, c_created - rng.randint(3, 20))
                c_state, c_done = outcome(c_created, c_deadline, state)
                to_staff = bool(staff) and rng.random() < 0.4
                c_owner = rng.choice(staff) if to_staff else division_head
                grandchild = (not to_staff and staff and c_state not in ("new", "received") and rng.random() < 0.3
                              and added + 1 < need)
                child_id, next_task = next_task, next_task + 1
                c_title = rng.choice(UNIT_TITLES)
                emit(child_id, c_title, directive_id, parent_id, owner, unit_id, division, c_owner, c_created,
                     c_deadline, c_state, c_done, "normal", int(bool(grandchild)), 10)
                added += 1
                if grandchild:
                    g_created = max(0, c_created - rng.randint(0, 2))
                    g_deadline = None if c_deadline is None else max(c_deadline, g_created - rng.randint(2, 10))
                    g_state, g_done = outcome(g_created, g_deadline, c_state)
                    emit(next_task, rng.choice(UNIT_TITLES), directive_id, child_id, division_head, division,
                         division, rng.choice(staff), g_created, g_deadline, g_state, g_done, "normal", 0, 13)
                    next_task += 1
                    added += 1
        if writer.flush_if_full() and progress:
            progress(f"  {added:,} tasks ({time.perf_counter() - started:.0f} s)")
    writer.finish()
    tally.do_rebuild(session)  # the rows above bypassed the services: recount the oversight counters from the tasks
    return added
