"""Traffic profiles of the four provinces: volumes, channel mix, and the shares the national index counts.

Every share is an exact fraction, so the truth file can carry it without float noise. Sources (domain.md §7):

* volumes — Đắk Lắk ~320,000 dossiers a quarter (≈3,500 a day); Đồng Nai 81,417 provincial dossiers in under
  two months and 156,063 commune ones (≈1,480 and ≈2,840 a day); Lâm Đồng taken as Đắk Lắk's size; Cao Bằng,
  far smaller, at ≈600 a day. At ``scale`` 1.0 the simulator sends 30 % of those: Cao Bằng ≈180 dossiers a
  day, so a 30-day run is ≈5,400 dossiers; ``scale`` multiplies every unit's rate;
* online shares and on-time shares by unit kind — Đồng Nai's press figures (94.51 % / 89.37 % online,
  99.14 % / 98.77 % on time), Đắk Lắk's ">98 % on time"; the others are assumptions of the same order;
* fee share 58 %, online payment 87 % of those, e-results 72 % — Phú Thọ's quarter;
* data reuse — Cao Bằng 60 %, Lâm Đồng 83.76 %; Đắk Lắk 45 % and Đồng Nai 50 % are assumptions.

How the generator uses each share is pinned in ``connectors/simulator/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from types import MappingProxyType

from connectors.simulator.provinces import Province, UnitKind, province

__all__ = ["DEFAULT_MESS", "PROFILES", "KindProfile", "MessRates", "Profile", "profile"]

F = Fraction  # the tables below read better with a short name


@dataclass(frozen=True, slots=True)
class KindProfile:
    """What differs between communes/wards and provincial departments."""

    daily_dossiers: Fraction
    """Dossiers a calendar day for all units of the kind together, at scale 1.0."""
    online_share: Fraction
    """Dossiers submitted online on the national portal (channel 2)."""
    on_time_share: Fraction
    """Of dossiers finishing with at most one supplement round: finished within the due date."""


@dataclass(frozen=True, slots=True)
class MessRates:
    """How often each messy part of real traffic happens."""

    duplicates: Fraction
    """Per valid province event: sent a second time, same id and bytes, in a later request."""
    out_of_order: Fraction
    """Per dossier with two or more province events: one event overtaken by the next one."""
    closed_codes: Fraction
    """Per dossier of a unit that succeeds closed codes: addressed to one of them (a pre-merger code)."""
    unknown_payments: Fraction
    """Per dossier: an extra payment for a dossier code never published."""
    invalid: Fraction
    """Per valid province event: an invalid event (a corrupted copy with its own id) sent alone."""

    def replace(self, **rates: Fraction) -> MessRates:
        """These rates with some replaced; ValueError for an unknown kind or a rate outside [0, 1]."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(rates) - known)
        if unknown:
            raise ValueError(
                f"unknown messy part(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        for name, rate in rates.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate of {name} must be between 0 and 1")
        values = {f.name: getattr(self, f.name) for f in fields(self)} | rates
        return MessRates(**values)


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the generator draws a province's dossiers from."""

    key: str
    """The province: ``cao-bang``, ``dak-lak``, ``dong-nai`` or ``lam-dong``."""
    communes: KindProfile
    departments: KindProfile
    reuse_share: Fraction
    """Dossiers with at least one component reused from an existing database."""
    digitisation_share: Fraction
    """Dossiers with at least one digitised component (reused components count as digitised)."""
    fee_share: Fraction
    """Dossiers with a fee that is not zero."""
    online_payment_share: Fraction
    """Of dossiers with a fee: paid online (national portal or provincial gateway)."""
    gateway_share: Fraction
    """Of dossiers paid online: through the provincial gateway (2) rather than the national portal (1)."""
    e_result_share: Fraction
    """Of dossiers with a result: at least one result document issued electronically."""
    postal_share: Fraction
    """Of dossiers not submitted online: sent by public postal service (channel 3)."""
    rejection_share: Fraction
    """Not received at reception (status 3)."""
    withdrawal_share: Fraction
    """Withdrawn by the applicant (status 7)."""
    stop_share: Fraction
    """Processing stopped (status 8)."""
    supplement_share: Fraction
    """Received dossiers asked for a supplement at least once."""
    second_round_share: Fraction
    """Of those: asked a second time (which makes them overdue)."""
    financial_obligation_share: Fraction
    """Of dossiers with a fee: the fee is requested during processing (status 6) rather than at filing."""
    delivered_share: Fraction
    """Of processed dossiers: the result is delivered (status 10) as well."""
    skip_processed_share: Fraction
    """Of delivered dossiers: the province never sent status 9, only 10."""
    exempt_share: Fraction
    """Of dossiers without a fee: a fee procedure whose lines are all zero (an exempt applicant)."""
    enterprise_share: Fraction
    """Of dossiers of procedures enterprises file: filed by an enterprise."""
    weekend_online_weight: Fraction
    """Online submissions on a day off, relative to a working day."""
    mess: MessRates

    def kind(self, kind: UnitKind) -> KindProfile:
        return self.communes if kind is UnitKind.COMMUNE else self.departments

    @property
    def province(self) -> Province:
        return province(self.key)

    def __post_init__(self) -> None:
        if self.digitisation_share < self.reuse_share:
            raise ValueError("digitisation_share must be at least reuse_share (reused data is digitised)")


DEFAULT_MESS = MessRates(
    duplicates=F(2, 100),
    out_of_order=F(2, 100),
    closed_codes=F(10, 100),
    unknown_payments=F(5, 1000),
    invalid=F(1, 100),
)
"""The messy parts' rates unless a run replaces them (``--mess KIND=RATE``)."""

_SHARED = {
    "fee_share": F(58, 100),
    "online_payment_share": F(87, 100),
    "gateway_share": F(10, 100),
    "e_result_share": F(72, 100),
    "postal_share": F(2, 100),
    "rejection_share": F(12, 1000),
    "withdrawal_share": F(8, 1000),
    "stop_share": F(4, 1000),
    "supplement_share": F(6, 100),
    "second_round_share": F(12, 100),
    "financial_obligation_share": F(15, 100),
    "delivered_share": F(90, 100),
    "skip_processed_share": F(5, 100),
    "exempt_share": F(5, 100),
    "enterprise_share": F(40, 100),
    "weekend_online_weight": F(35, 100),
}
"""The shares every province uses (Phú Thọ's quarter for fees, online payment and e-results; the rest
assumptions of the order the press reports)."""

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "cao-bang": Profile(
            "cao-bang",
            communes=KindProfile(F(120), F(55, 100), F(97, 100)),
            departments=KindProfile(F(60), F(70, 100), F(98, 100)),
            reuse_share=F(60, 100),
            digitisation_share=F(75, 100),
            mess=DEFAULT_MESS,
            **_SHARED,
        ),
        "dak-lak": Profile(
            "dak-lak",
            communes=KindProfile(F(700), F(78, 100), F(982, 1000)),
            departments=KindProfile(F(345), F(86, 100), F(985, 1000)),
            reuse_share=F(45, 100),
            digitisation_share=F(70, 100),
            mess=DEFAULT_MESS,
            **_SHARED,
        ),
        "dong-nai": Profile(
            "dong-nai",
            communes=KindProfile(F(850), F(8937, 10000), F(9877, 10000)),
            departments=KindProfile(F(445), F(9451, 10000), F(9914, 10000)),
            reuse_share=F(50, 100),
            digitisation_share=F(80, 100),
            mess=DEFAULT_MESS,
            **_SHARED,
        ),
        "lam-dong": Profile(
            "lam-dong",
            communes=KindProfile(F(700), F(85, 100), F(985, 1000)),
            departments=KindProfile(F(345), F(90, 100), F(99, 100)),
            reuse_share=F(8376, 10000),
            digitisation_share=F(90, 100),
            mess=DEFAULT_MESS,
            **_SHARED,
        ),
    }
)
"""The profile of each province, by key."""


def profile(key: str) -> Profile:
    """The profile of the province named ``key``."""
    try:
        return PROFILES[key]
    except KeyError:
        raise KeyError(f"unknown province {key!r}; known: {', '.join(PROFILES)}") from None
