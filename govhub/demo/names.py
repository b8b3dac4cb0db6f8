"""Deterministic, realistic Vietnamese names for the demo city."""

from __future__ import annotations

import random

# Family names with rough shares of the population (percent).
FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 4), ("Hoàng", 3), ("Phan", 4),
    ("Vũ", 2), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.5), ("Hồ", 1.5), ("Ngô", 1.3), ("Dương", 1),
    ("Lý", 0.6), ("Trương", 1), ("Đinh", 0.6), ("Lâm", 0.6), ("Tô", 0.4), ("Mai", 0.4), ("Châu", 0.3),
    ("Tạ", 0.3), ("Lương", 0.4), ("Quách", 0.2), ("Thái", 0.3), ("La", 0.2), ("Cao", 0.4),
]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Hoàng", "Công", "Ngọc", "Tấn", "Thành", "Xuân"]
MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Phương", "Hồng", "Bích", "Thùy", "Minh", "Hoài"]
GIVEN_M = [
    "Anh", "Bảo", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khang", "Khoa", "Long", "Minh", "Nam",
    "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung", "Tuấn", "Việt", "Vinh", "Lộc",
    "Nghĩa", "Đông", "Quang", "Toàn", "Hòa", "Khánh", "Tâm", "Thịnh", "Duy", "Kiên", "Lợi",
]
GIVEN_F = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "My", "Ngân",
    "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Trinh", "Uyên", "Vân", "Yến",
    "Loan", "Hiền", "Tuyết", "Diễm", "Châu", "Nhi", "Thư", "Hồng",
]
_WEIGHTS = [w for _, w in FAMILY]
_FAMILY = [f for f, _ in FAMILY]


def full_name(rng: random.Random) -> str:
    """One plausible full name: family, middle and given name."""
    family = rng.choices(_FAMILY, weights=_WEIGHTS)[0]
    if rng.random() < 0.5:
        return f"{family} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"
    return f"{family} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"


def mobile(rng: random.Random) -> str:
    """A mobile number in the usual 10-digit form."""
    prefix = rng.choice(["090", "091", "093", "094", "096", "097", "098", "083", "086", "070", "077", "079"])
    d = f"{rng.randrange(10_000_000):07d}"
    return f"{prefix}{d[0]} {d[1:4]} {d[4:]}"
