"""The event data models: dossier lifecycle, agency identity codes, payments."""

from contracts.events.base import PERSONAL_DATA, TYPE_PREFIX, ContractModel, EventData
from contracts.events.dossier import (
    Applicant,
    ApplicantKind,
    Channel,
    CollectionMethod,
    Component,
    DossierStatus,
    DossierStatusChanged,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    SupplementRound,
)
from contracts.events.identity import (
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeEvent,
    AgencyCodeIssued,
    IssuingDecision,
)
from contracts.events.payment import (
    PaymentEvent,
    PaymentFailed,
    PaymentInitiated,
    PaymentLine,
    PaymentLineKind,
    PaymentPending,
    PaymentRefunded,
    PaymentSucceeded,
)

__all__ = [
    "PERSONAL_DATA",
    "TYPE_PREFIX",
    "AgencyCodeAmended",
    "AgencyCodeClosed",
    "AgencyCodeEvent",
    "AgencyCodeIssued",
    "Applicant",
    "ApplicantKind",
    "Channel",
    "CollectionMethod",
    "Component",
    "ContractModel",
    "DossierStatus",
    "DossierStatusChanged",
    "EventData",
    "FeeLine",
    "IssuingDecision",
    "OnlinePayment",
    "PaymentEvent",
    "PaymentFailed",
    "PaymentInitiated",
    "PaymentLine",
    "PaymentLineKind",
    "PaymentPending",
    "PaymentRefunded",
    "PaymentSucceeded",
    "ResultDocument",
    "SupplementRound",
]
