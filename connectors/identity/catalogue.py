"""The names behind the shipped registries: provinces, their units, communes and wards, old bodies closed.

Plain data for :mod:`connectors.identity.registry_builder`. Names follow the 2025 two-level organisation
(provincial departments after the 2025 mergers of departments; communes and wards directly under the
province). They are plausible, not an official catalogue: commune lists of Đắk Lắk, Đồng Nai and Lâm Đồng are
subsets, and the level-1 codes of the old provinces (H10 Bình Phước, H11 Bình Thuận, H16 Đắk Nông, H45 Phú
Yên) follow the alphabetical order of the 63-province list, which domain.md does not confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAO_BANG_DISTRICTS",
    "CAO_BANG_SUB_UNITS",
    "OLD_PROVINCES",
    "PROVINCES",
    "PROVINCIAL_UNITS",
    "STATE_BODIES",
    "Province",
]

PROVINCIAL_UNITS: tuple[str, ...] = (
    "Văn phòng Ủy ban nhân dân tỉnh {p}",
    "Sở Nội vụ tỉnh {p}",
    "Sở Tài chính tỉnh {p}",
    "Sở Tư pháp tỉnh {p}",
    "Sở Công Thương tỉnh {p}",
    "Sở Nông nghiệp và Môi trường tỉnh {p}",
    "Sở Xây dựng tỉnh {p}",
    "Sở Khoa học và Công nghệ tỉnh {p}",
    "Sở Giáo dục và Đào tạo tỉnh {p}",
    "Sở Y tế tỉnh {p}",
    "Sở Văn hóa, Thể thao và Du lịch tỉnh {p}",
    "Sở Dân tộc và Tôn giáo tỉnh {p}",
    "Thanh tra tỉnh {p}",
    "Ban Quản lý Khu kinh tế tỉnh {p}",
    "Trung tâm Phục vụ hành chính công tỉnh {p}",
    "Công an tỉnh {p}",
    "Bộ Chỉ huy Quân sự tỉnh {p}",
    "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh {p}",
    "Báo và Phát thanh, Truyền hình {p}",
    "Trường Cao đẳng {p}",
    "Ban Quản lý dự án đầu tư xây dựng tỉnh {p}",
    "Quỹ Đầu tư phát triển tỉnh {p}",
)
"""The 22 provincial units, numbered 01-22 at level 2 (``000.00.NN.Hxx``) in this order."""

STATE_BODIES = 18
"""Units 01-18 are state bodies; an old province's were closed into the merged province's same unit."""


@dataclass(frozen=True, slots=True)
class Province:
    """A province after 1 July 2025, as its registry describes it."""

    slug: str
    name: str
    level_1: str
    seat: str
    """The ward the provincial bodies sit in (their address)."""
    wards: tuple[str, ...]
    communes: tuple[str, ...]
    issuing_decision: tuple[str, str]
    """Number and date of the provincial decision issuing the 2025 codes."""
    unit_names: dict[int, str]
    """Provincial units whose name differs from :data:`PROVINCIAL_UNITS` (by number)."""


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names, across lines (kept compact: the lists are long)."""
    return tuple(" ".join(name.split()) for name in text.split(",") if name.strip())


PROVINCES: tuple[Province, ...] = (
    Province(
        slug="cao-bang",
        name="Cao Bằng",
        level_1="H14",
        seat="Thục Phán",
        wards=_names("Thục Phán, Nùng Trí Cao, Tân Giang"),
        communes=_names(
            """
        Bảo Lâm, Lý Bôn, Nam Quang, Quảng Lâm, Yên Thổ, Bảo Lạc, Cốc Pàng, Cô Ba, Khánh Xuân, Xuân Trường,
        Hưng Đạo, Huy Giáp, Sơn Lộ, Thông Nông, Cần Yên, Thanh Long, Trường Hà, Lũng Nặm, Tổng Cọt,
        Hà Quảng, Trà Lĩnh, Quang Hán, Quang Trung, Trùng Khánh, Đình Phong, Đàm Thủy, Đoài Dương, Lý Quốc,
        Hạ Lang, Vinh Quý, Quang Long, Quảng Uyên, Phục Hòa, Hạnh Phúc, Độc Lập, Bế Văn Đàn, Hòa An,
        Nam Tuấn, Bạch Đằng, Nguyễn Huệ, Dân Chủ, Nguyên Bình, Tĩnh Túc, Ca Thành, Phan Thanh, Thành Công,
        Tam Kim, Minh Tâm, Thạch An, Đông Khê, Đức Long, Canh Tân, Kim Đồng
        """
        ),
        issuing_decision=("1135/QĐ-UBND", "2025-07-01"),
        unit_names={22: "Ban Quản lý Công viên địa chất Non nước Cao Bằng"},
    ),
    Province(
        slug="dak-lak",
        name="Đắk Lắk",
        level_1="H15",
        seat="Buôn Ma Thuột",
        wards=_names(
            """
        Buôn Ma Thuột, Tân An, Tân Lập, Thành Nhất, Ea Kao, Buôn Hồ, Cư Bao, Tuy Hòa, Phú Yên, Bình Kiến,
        Sông Cầu, Xuân Đài, Đông Hòa, Hòa Hiệp
        """
        ),
        communes=_names(
            """
        Ea Kar, Krông Pắc, Krông Năng, Ea H'leo, Ea Súp, Buôn Đôn, Cư M'gar, Krông Búk, Krông Bông,
        Liên Sơn Lắk, M'Drắk, Cư Kuin, Krông Ana, Ea Drăng, Hòa Phú, Dray Bhăng, Tuy An Bắc, Tuy An Nam,
        Sơn Hòa, Sông Hinh, Đồng Xuân, Phú Hòa, Tây Hòa, Sơn Thành, Ô Loan, Xuân Lộc
        """
        ),
        issuing_decision=("1688/QĐ-UBND", "2025-07-02"),
        unit_names={},
    ),
    Province(
        slug="dong-nai",
        name="Đồng Nai",
        level_1="H19",
        seat="Trấn Biên",
        wards=_names(
            """
        Biên Hòa, Trấn Biên, Tam Hiệp, Long Bình, Trảng Dài, Hố Nai, Long Hưng, Bình Lộc, Bảo Vinh,
        Xuân Lập, Long Khánh, Hàng Gòn, Tân Triều, Phước Tân, Tam Phước, Bình Phước, Đồng Xoài, Minh Hưng,
        Chơn Thành, Bình Long, An Lộc, Phước Long, Phước Bình
        """
        ),
        communes=_names(
            """
        Long Thành, An Phước, Bình An, Long Phước, Phước Thái, Nhơn Trạch, Phước An, Đại Phước, Trảng Bom,
        An Viễn, Bàu Hàm, Hưng Thịnh, Thống Nhất, Gia Kiệm, Dầu Giây, Định Quán, Phú Vinh, Phú Hòa, Tà Lài,
        Nam Cát Tiên, Tân Phú, Phú Lâm, Trị An, Tân An, Phú Lý, Xuân Lộc, Xuân Định, Xuân Phú, Xuân Bắc,
        Xuân Thành, Xuân Hòa, Xuân Đường, Cẩm Mỹ, Sông Ray, Xuân Quế, Xuân Đông, Lộc Ninh, Lộc Thành,
        Lộc Tấn, Lộc Hưng, Lộc Thạnh, Bù Đốp, Thiện Hưng, Hưng Phước, Bù Gia Mập, Đak Ơ, Phú Nghĩa, Đa Kia,
        Bù Đăng, Đăng Hà, Thọ Sơn
        """
        ),
        issuing_decision=("1702/QĐ-UBND", "2025-07-02"),
        unit_names={},
    ),
    Province(
        slug="lam-dong",
        name="Lâm Đồng",
        level_1="H36",
        seat="Xuân Hương - Đà Lạt",
        wards=_names(
            """
        Xuân Hương - Đà Lạt, Cam Ly - Đà Lạt, Lâm Viên - Đà Lạt, Xuân Trường - Đà Lạt, Lang Biang - Đà Lạt,
        1 Bảo Lộc, 2 Bảo Lộc, B'Lao, Bắc Gia Nghĩa, Nam Gia Nghĩa, Đông Gia Nghĩa, Phan Thiết, Hàm Thắng,
        Mũi Né, La Gi, Phước Hội
        """
        ),
        communes=_names(
            """
        Đức Trọng, Hiệp Thạnh, Đơn Dương, Lạc Dương, Lâm Hà, Đam Rông, Di Linh, Bảo Lâm, Đạ Huoai, Đạ Tẻh,
        Cát Tiên, Đắk Mil, Đắk Song, Krông Nô, Cư Jút, Tuy Đức, Đắk R'Lấp, Đắk Glong, Tuy Phong, Bắc Bình,
        Hàm Thuận Bắc, Hàm Thuận Nam, Tánh Linh, Đức Linh
        """
        ),
        issuing_decision=("1590/QĐ-UBND", "2025-07-02"),
        unit_names={},
    ),
)

OLD_PROVINCES: dict[str, tuple[tuple[str, str], ...]] = {
    "dak-lak": (("H45", "Phú Yên"),),
    "dong-nai": (("H10", "Bình Phước"),),
    "lam-dong": (("H16", "Đắk Nông"), ("H11", "Bình Thuận")),
}
"""Merged into the province (by slug): level-1 code and name of each old province whose code was closed."""

CAO_BANG_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("thành phố Cao Bằng", "phường Thục Phán"),
    ("huyện Bảo Lâm", "xã Bảo Lâm"),
    ("huyện Bảo Lạc", "xã Bảo Lạc"),
    ("huyện Hà Quảng", "xã Hà Quảng"),
    ("huyện Trùng Khánh", "xã Trùng Khánh"),
    ("huyện Hạ Lang", "xã Hạ Lang"),
    ("huyện Quảng Hòa", "xã Quảng Uyên"),
    ("huyện Hòa An", "xã Hòa An"),
    ("huyện Nguyên Bình", "xã Nguyên Bình"),
    ("huyện Thạch An", "xã Đông Khê"),
)
"""Cao Bằng's district-level units before 1 July 2025 (codes 000.00.30-39.H14) and the commune or ward that
took over each one's seat."""

CAO_BANG_SUB_UNITS: dict[int, tuple[str, ...]] = {
    1: ("Trung tâm Thông tin - Công báo",),
    2: (
        "Ban Thi đua - Khen thưởng",
        "Trung tâm Lưu trữ lịch sử",
        "Trung tâm Dịch vụ việc làm",
        "Trung tâm Bảo trợ xã hội",
    ),
    3: ("Phòng Đăng ký kinh doanh", "Trung tâm Xúc tiến đầu tư", "Trung tâm Tư vấn và Thẩm định giá"),
    4: ("Trung tâm Trợ giúp pháp lý nhà nước", "Phòng Công chứng số 1", "Trung tâm Dịch vụ đấu giá tài sản"),
    5: ("Chi cục Quản lý thị trường", "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp"),
    6: (
        "Chi cục Kiểm lâm",
        "Chi cục Thủy lợi",
        "Chi cục Chăn nuôi và Thú y",
        "Chi cục Trồng trọt và Bảo vệ thực vật",
        "Chi cục Phát triển nông thôn",
        "Văn phòng Đăng ký đất đai",
        "Chi nhánh Văn phòng Đăng ký đất đai khu vực Hòa An",
        "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trùng Khánh",
        "Chi nhánh Văn phòng Đăng ký đất đai khu vực Bảo Lạc",
        "Trung tâm Phát triển quỹ đất",
        "Trung tâm Khuyến nông",
        "Trung tâm Quan trắc tài nguyên và môi trường",
        "Ban Quản lý rừng phòng hộ",
    ),
    7: (
        "Trung tâm Đăng kiểm xe cơ giới",
        "Trung tâm Kiểm định chất lượng xây dựng",
        "Ban Quản lý bảo trì đường bộ",
    ),
    8: (
        "Trung tâm Công nghệ thông tin và Truyền thông",
        "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ",
        "Chi cục Tiêu chuẩn Đo lường Chất lượng",
    ),
    9: (
        "Trường Trung học phổ thông Chuyên Cao Bằng",
        "Trường Trung học phổ thông Thành phố Cao Bằng",
        "Trường Phổ thông Dân tộc nội trú tỉnh",
        "Trung tâm Giáo dục thường xuyên tỉnh",
        "Trường Trung học phổ thông Hòa An",
    ),
    10: (
        "Bệnh viện Đa khoa tỉnh",
        "Trung tâm Kiểm soát bệnh tật",
        "Bệnh viện Y dược cổ truyền",
        "Chi cục Dân số",
        "Chi cục An toàn vệ sinh thực phẩm",
        "Trung tâm Kiểm nghiệm",
        "Trung tâm Giám định y khoa",
        "Trung tâm Pháp y",
    ),
    11: (
        "Thư viện tỉnh",
        "Bảo tàng tỉnh",
        "Trung tâm Văn hóa - Điện ảnh",
        "Trung tâm Thông tin xúc tiến du lịch",
        "Ban Quản lý Khu di tích quốc gia đặc biệt Pác Bó",
    ),
    12: ("Ban Tôn giáo",),
    14: ("Ban Quản lý cửa khẩu Tà Lùng", "Ban Quản lý cửa khẩu Trà Lĩnh", "Ban Quản lý cửa khẩu Sóc Giang"),
    16: (
        "Phòng Cảnh sát quản lý hành chính về trật tự xã hội",
        "Phòng Cảnh sát giao thông",
        "Phòng Quản lý xuất nhập cảnh",
        "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ",
        "Phòng Hồ sơ",
    ),
    17: ("Ban Chỉ huy Phòng thủ khu vực 1 - Hòa An", "Ban Chỉ huy Phòng thủ khu vực 2 - Trùng Khánh"),
}
"""Level-3 units of Cao Bằng's provincial units (by unit number), numbered 01… under their parent."""
