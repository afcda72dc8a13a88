"""The simulator: realistic province traffic with a known ground truth (``lienthong simulate``).

Two halves:

* pure and deterministic — :func:`simulate` draws a province's dossiers over a window of days from its
  :class:`Profile` (volumes, channel mix, the shares the national index counts), plans the traffic with its
  messy parts (duplicates, out-of-order delivery, closed agency codes, payments for unknown dossiers, invalid
  events), and computes the indicators exactly; :func:`truth_bytes` / :func:`write_truth` give the ground
  truth, :func:`write_events` the province events as JSON Lines;
* I/O — :func:`drive` sends that traffic through the real interfaces over HTTP: the province connector's
  ingest, the (mock) national portal's citizen and payment pages, the payment connector's registrations.

The definitions of the indicators are in ``INDICATORS.md``, the profile numbers and the truth layout in
``README.md``, both beside this module.
"""

from connectors.simulator.driver import DriveSettings, Targets, drive
from connectors.simulator.indicators import (
    Granularity,
    IndicatorTable,
    compute_indicators,
    end_of_processing,
    on_time,
    supplement_waiting,
)
from connectors.simulator.invalid_events import INVALID_KINDS, InvalidEvent
from connectors.simulator.lifecycle import Dossier, PaymentAttempt, PaymentPlan
from connectors.simulator.profiles import PROFILES, KindProfile, MessRates, Profile, profile
from connectors.simulator.provinces import PROVINCE_KEYS, Province, Unit, UnitKind, province
from connectors.simulator.report import Display, Report
from connectors.simulator.retries import RetryPolicy
from connectors.simulator.simulation import Simulation, simulate
from connectors.simulator.traffic import Delivery, DeliveryKind, Traffic
from connectors.simulator.truth import events_lines, truth_bytes, truth_document, write_events, write_truth

__all__ = [
    "INVALID_KINDS",
    "PROFILES",
    "PROVINCE_KEYS",
    "Delivery",
    "DeliveryKind",
    "Display",
    "Dossier",
    "DriveSettings",
    "Granularity",
    "IndicatorTable",
    "InvalidEvent",
    "KindProfile",
    "MessRates",
    "PaymentAttempt",
    "PaymentPlan",
    "Profile",
    "Province",
    "Report",
    "RetryPolicy",
    "Simulation",
    "Targets",
    "Traffic",
    "Unit",
    "UnitKind",
    "compute_indicators",
    "drive",
    "end_of_processing",
    "events_lines",
    "on_time",
    "profile",
    "province",
    "simulate",
    "supplement_waiting",
    "truth_bytes",
    "truth_document",
    "write_events",
    "write_truth",
]
