"""Synthetic applicants: Vietnamese names, personal IDs, phone numbers, enterprises with valid tax codes.

Nothing here is a real person or company. A personal ID follows the CCCD layout (domain.md §4): the
birth-registration province (mostly the simulated province's own code), the century/sex digit, the two-digit
birth year and a random six-digit serial. An enterprise code carries a correct check digit
(:func:`contracts.codes.enterprise_check_digit`).
"""

from __future__ import annotations

import random
from typing import Any

from connectors.simulator.provinces import Province
from contracts.codes import enterprise_check_digit

__all__ = ["bad_check_digit", "citizen", "enterprise", "enterprise_code"]

_FAMILY = (
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4),
    ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1),
    ("Lý", 1), ("Đinh", 1), ("Trương", 1),
)  # fmt: skip
_FAMILY_NORTH_MOUNTAINS = (
    ("Nông", 8),
    ("Hoàng", 8),
    ("Lục", 3),
    ("Bế", 3),
    ("Đàm", 3),
    ("La", 2),
    ("Lương", 3),
)
_MIDDLE = {
    "male": ("Văn", "Đức", "Minh", "Quốc", "Hữu", "Công"),
    "female": ("Thị", "Ngọc", "Thu", "Thanh", "Kim"),
}
_GIVEN = {
    "male": ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong", "Quân", "Sơn",
             "Thắng", "Trung", "Tuấn", "Việt"),
    "female": ("Anh", "Chi", "Dung", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngân", "Phương",
               "Thảo", "Trang", "Vân", "Yến"),
}  # fmt: skip
_EDE_CLANS = ("Niê", "Mlô", "Êban", "Ksơr", "Byă", "Adrơng")
_EDE_GIVEN = ("Bhin", "Khuê", "Jôn", "Nga", "Xuân", "Blin", "Thu", "Ngơn")
_COMPANY_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân")
_COMPANY_WORDS = ("Thành Đạt", "Phú Hưng", "An Khang", "Minh Phát", "Tân Tiến", "Hòa Bình", "Đại Việt",
                  "Sao Mai", "Hồng Phúc", "Trường Sơn", "Kim Long", "Bảo Ngọc")  # fmt: skip
_OTHER_PROVINCE_CODES = ("001", "019", "031", "038", "079")
_OWN_CODE_SHARE = 0.85


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    names = [name for name, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(names, weights)[0]


def _name(rng: random.Random, province: Province, sex: str) -> str:
    if province.key == "dak-lak" and rng.random() < 0.1:
        prefix = "Y" if sex == "male" else "H'"
        given = rng.choice(_EDE_GIVEN)
        return (
            f"{prefix} {given} {rng.choice(_EDE_CLANS)}"
            if sex == "male"
            else f"{prefix}{given} {rng.choice(_EDE_CLANS)}"
        )
    families = _FAMILY + _FAMILY_NORTH_MOUNTAINS if province.key == "cao-bang" else _FAMILY
    return f"{_weighted(rng, families)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def _personal_id(rng: random.Random, province: Province, sex: str) -> str:
    codes = province.personal_id_codes
    own = rng.random() < _OWN_CODE_SHARE
    place = codes[0] if own else rng.choice(codes[1:] + _OTHER_PROVINCE_CODES)
    year = rng.randint(1945, 2007)
    century_sex = (0 if year < 2000 else 2) + (1 if sex == "female" else 0)
    return f"{place}{century_sex}{year % 100:02d}{rng.randrange(1_000_000):06d}"


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice('35789')}{rng.randrange(100_000_000):08d}"


def citizen(rng: random.Random, province: Province) -> dict[str, Any]:
    """A citizen applicant as the contracts' ``applicant`` JSON object."""
    sex = rng.choice(("male", "female"))
    applicant: dict[str, Any] = {
        "kind": "citizen",
        "name": _name(rng, province, sex),
        "personal_id": _personal_id(rng, province, sex),
    }
    if rng.random() < 0.7:
        applicant["phone"] = _phone(rng)
    return applicant


def enterprise_code(rng: random.Random) -> str:
    """A ten-digit enterprise code with a correct check digit."""
    while True:
        first_nine = f"{rng.randint(1, 99):02d}{rng.randrange(1, 10_000_000):07d}"
        check = enterprise_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def bad_check_digit(code: str) -> str:
    """``code`` with its check digit changed to a wrong one."""
    return f"{code[:9]}{(int(code[9]) + 1) % 10}"


def enterprise(rng: random.Random, province: Province) -> dict[str, Any]:
    """An enterprise applicant: its name, tax code and the representative's personal ID."""
    sex = rng.choice(("male", "female"))
    return {
        "kind": "enterprise",
        "name": f"{rng.choice(_COMPANY_FORMS)} {rng.choice(_COMPANY_WORDS)} {province.name}",
        "enterprise_code": enterprise_code(rng),
        "personal_id": _personal_id(rng, province, sex),
        "phone": _phone(rng),
    }
