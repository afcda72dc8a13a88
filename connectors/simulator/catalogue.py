"""A small catalogue of administrative procedures the simulated units receive.

Codes have the national catalogue's shape (``D.DDDDDD``); names, fields, deadlines (0-15 working days) and
fees are plausible, not copied from a catalogue entry. Fees are whole VND: a certified copy costs 2,000 VND a
page (capped at 200,000); many procedures are free. Each procedure names the unit kinds that receive it,
whether enterprises file it, its 2-5 components and its result document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connectors.simulator.provinces import UnitKind

__all__ = ["CATALOGUE", "FeeItem", "FeeKind", "Procedure", "procedures_for"]


class FeeKind(StrEnum):
    """Phí (a fee for a service) or lệ phí (a charge for an administrative act)."""

    FEE = "fee"
    CHARGE = "charge"


@dataclass(frozen=True, slots=True)
class FeeItem:
    """One fee line: a fixed amount, or ``amount`` per page up to ``cap``."""

    code: str
    name: str
    kind: FeeKind
    amount: int
    per_page: bool = False
    cap: int | None = None

    def total(self, pages: int) -> int:
        """What the line costs for a dossier of ``pages`` pages."""
        value = self.amount * pages if self.per_page else self.amount
        return min(value, self.cap) if self.cap is not None else value


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure of the catalogue."""

    code: str
    name: str
    field_code: str
    kinds: tuple[UnitKind, ...]
    deadline_days: int
    components: tuple[str, ...]
    result: str
    fees: tuple[FeeItem, ...] = ()
    enterprise: bool = False
    """Enterprises (as well as citizens) file it."""

    @property
    def has_fee(self) -> bool:
        return bool(self.fees)


_C, _D = UnitKind.COMMUNE, UnitKind.DEPARTMENT
_COPY = FeeItem("LP-CT-BS", "Phí chứng thực bản sao", FeeKind.FEE, 2_000, per_page=True, cap=200_000)

CATALOGUE: tuple[Procedure, ...] = (
    Procedure(
        "1.001193", "Đăng ký khai sinh", "HT", (_C,), 0,
        ("Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký"),
        "Giấy khai sinh",
    ),
    Procedure(
        "1.000656", "Đăng ký khai tử", "HT", (_C,), 0,
        ("Tờ khai đăng ký khai tử", "Giấy báo tử"), "Trích lục khai tử",
    ),
    Procedure(
        "1.000894", "Đăng ký kết hôn", "HT", (_C,), 3,
        ("Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân", "Giấy tờ tùy thân của hai bên"),
        "Giấy chứng nhận kết hôn",
    ),
    Procedure(
        "1.000775", "Cấp giấy xác nhận tình trạng hôn nhân", "HT", (_C,), 3,
        ("Tờ khai cấp giấy xác nhận tình trạng hôn nhân", "Giấy tờ tùy thân"),
        "Giấy xác nhận tình trạng hôn nhân",
    ),
    Procedure(
        "2.002175", "Giải quyết trợ cấp xã hội hằng tháng", "BTXH", (_C,), 10,
        ("Tờ khai đề nghị trợ giúp xã hội", "Giấy tờ tùy thân", "Giấy xác nhận khuyết tật", "Sổ hộ khẩu"),
        "Quyết định trợ cấp xã hội",
    ),
    Procedure(
        "1.001009", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "GDDT", (_D,), 1,
        ("Đơn đề nghị cấp bản sao", "Giấy tờ tùy thân"), "Bản sao văn bằng",
    ),
    Procedure(
        "1.002255", "Cấp giấy phép tổ chức lễ hội", "VH", (_D,), 7,
        ("Văn bản đề nghị", "Kế hoạch tổ chức lễ hội", "Danh sách ban tổ chức"), "Giấy phép tổ chức lễ hội",
        enterprise=True,
    ),
    Procedure(
        "1.004946", "Xác nhận hồ sơ hưởng chế độ người có công", "NCC", (_D,), 12,
        ("Bản khai cá nhân", "Giấy tờ chứng minh", "Biên bản họp xét duyệt", "Giấy tờ tùy thân"),
        "Quyết định hưởng chế độ",
    ),
    Procedure(
        "1.003583", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "CT", (_C,), 0,
        ("Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"), "Bản sao được chứng thực",
        (_COPY,),
    ),
    Procedure(
        "2.000815", "Chứng thực chữ ký trong giấy tờ, văn bản", "CT", (_C,), 0,
        ("Giấy tờ cần chứng thực chữ ký", "Giấy tờ tùy thân"), "Văn bản được chứng thực chữ ký",
        (FeeItem("LP-CT-CK", "Phí chứng thực chữ ký", FeeKind.FEE, 10_000),),
    ),
    Procedure(
        "2.000913", "Chứng thực hợp đồng, giao dịch liên quan đến động sản", "CT", (_C,), 2,
        ("Dự thảo hợp đồng", "Giấy tờ tùy thân của các bên", "Giấy tờ về tài sản"),
        "Hợp đồng được chứng thực",
        (FeeItem("LP-CT-HD", "Phí chứng thực hợp đồng", FeeKind.FEE, 50_000),),
    ),
    Procedure(
        "1.001022", "Cấp bản sao trích lục hộ tịch", "HT", (_C,), 0,
        ("Tờ khai cấp bản sao trích lục hộ tịch", "Giấy tờ tùy thân"), "Bản sao trích lục hộ tịch",
        (FeeItem("LP-HT-TL", "Lệ phí cấp bản sao trích lục", FeeKind.CHARGE, 8_000),),
    ),
    Procedure(
        "1.001612", "Đăng ký thành lập hộ kinh doanh", "DKKD", (_C,), 3,
        ("Giấy đề nghị đăng ký hộ kinh doanh", "Giấy tờ tùy thân của chủ hộ", "Hợp đồng thuê địa điểm"),
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        (FeeItem("LP-DK-HKD", "Lệ phí đăng ký hộ kinh doanh", FeeKind.CHARGE, 100_000),),
    ),
    Procedure(
        "1.004227", "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam", "LLTP", (_D,), 10,
        ("Tờ khai yêu cầu cấp phiếu lý lịch tư pháp", "Giấy tờ tùy thân", "Giấy tờ chứng minh nơi cư trú"),
        "Phiếu lý lịch tư pháp",
        (FeeItem("P-LLTP", "Phí cung cấp thông tin lý lịch tư pháp", FeeKind.FEE, 200_000),),
    ),
    Procedure(
        "2.001955", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", (_D, _C), 15,
        ("Đơn đề nghị cấp giấy phép xây dựng", "Giấy tờ về quyền sử dụng đất", "Bản vẽ thiết kế xây dựng",
         "Cam kết bảo đảm an toàn công trình liền kề"),
        "Giấy phép xây dựng",
        (FeeItem("LP-XD", "Lệ phí cấp giấy phép xây dựng", FeeKind.CHARGE, 75_000),),
        enterprise=True,
    ),
    Procedure(
        "1.004178", "Đăng ký, cấp giấy chứng nhận quyền sử dụng đất lần đầu", "DD", (_D,), 15,
        ("Đơn đăng ký đất đai", "Giấy tờ về quyền sử dụng đất", "Sơ đồ thửa đất", "Tờ khai lệ phí trước bạ",
         "Giấy tờ tùy thân"),
        "Giấy chứng nhận quyền sử dụng đất",
        (
            FeeItem("LP-GCN", "Lệ phí cấp giấy chứng nhận", FeeKind.CHARGE, 100_000),
            FeeItem("P-TD", "Phí thẩm định hồ sơ", FeeKind.FEE, 500_000),
        ),
        enterprise=True,
    ),
    Procedure(
        "2.000046", "Đăng ký thành lập doanh nghiệp", "DKKD", (_D,), 3,
        ("Giấy đề nghị đăng ký doanh nghiệp", "Điều lệ công ty", "Danh sách thành viên"),
        "Giấy chứng nhận đăng ký doanh nghiệp",
        (FeeItem("LP-DKDN", "Lệ phí đăng ký doanh nghiệp", FeeKind.CHARGE, 50_000),),
        enterprise=True,
    ),
    Procedure(
        "1.000459", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "ATTP", (_D,), 15,
        ("Đơn đề nghị cấp giấy chứng nhận", "Bản thuyết minh cơ sở vật chất", "Giấy xác nhận tập huấn",
         "Giấy xác nhận đủ sức khỏe"),
        "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        (FeeItem("P-TDATTP", "Phí thẩm định điều kiện an toàn thực phẩm", FeeKind.FEE, 500_000),),
        enterprise=True,
    ),
    Procedure(
        "1.000105", "Cấp giấy phép lao động cho người nước ngoài", "LD", (_D,), 5,
        ("Văn bản đề nghị", "Giấy chứng nhận sức khỏe", "Phiếu lý lịch tư pháp", "Văn bằng chuyên môn",
         "Hộ chiếu"),
        "Giấy phép lao động",
        (FeeItem("LP-GPLD", "Lệ phí cấp giấy phép lao động", FeeKind.CHARGE, 600_000),),
        enterprise=True,
    ),
)  # fmt: skip
"""Every procedure: 8 free and 11 with a fee, both kinds for each unit kind."""


def procedures_for(kind: UnitKind, *, with_fee: bool) -> tuple[Procedure, ...]:
    """The procedures a unit of ``kind`` receives that carry a fee (or are free)."""
    return tuple(p for p in CATALOGUE if kind in p.kinds and p.has_fee == with_fee)
