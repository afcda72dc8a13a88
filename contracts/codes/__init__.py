"""Validated code types for every identifier in the domain, as pydantic ``Annotated`` types plus parsers.

Each type rejects a bad value with a message saying what was expected and what was wrong. Types that carry
personal data (:mod:`contracts.codes.personal`, :mod:`contracts.codes.enterprise`) never repeat the value.
"""

from contracts.codes.agency import (
    AgencyCode,
    AgencyCodeParts,
    agency_code_problem,
    agency_level,
    parse_agency_code,
)
from contracts.codes.dossier import DossierCode, DossierCodeParts, parse_dossier_code
from contracts.codes.enterprise import EnterpriseCode, enterprise_check_digit
from contracts.codes.opaque import OpaqueCode
from contracts.codes.personal import (
    CitizenIdNumber,
    OldIdNumber,
    PersonalId,
    PersonalIdParts,
    PhoneNumber,
    parse_personal_id,
)
from contracts.codes.procedure import ProcedureCode, ProcedureCodeParts, parse_procedure_code

__all__ = [
    "AgencyCode",
    "AgencyCodeParts",
    "CitizenIdNumber",
    "DossierCode",
    "DossierCodeParts",
    "EnterpriseCode",
    "OldIdNumber",
    "OpaqueCode",
    "PersonalId",
    "PersonalIdParts",
    "PhoneNumber",
    "ProcedureCode",
    "ProcedureCodeParts",
    "agency_code_problem",
    "agency_level",
    "enterprise_check_digit",
    "parse_agency_code",
    "parse_dossier_code",
    "parse_personal_id",
    "parse_procedure_code",
]
