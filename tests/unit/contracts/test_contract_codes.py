"""Each code validator accepts the documented shapes and rejects everything else with a precise message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from pydantic import TypeAdapter, ValidationError

from contracts.codes import (
    AgencyCode,
    CitizenIdNumber,
    DossierCode,
    EnterpriseCode,
    OldIdNumber,
    OpaqueCode,
    PersonalId,
    PhoneNumber,
    ProcedureCode,
    agency_level,
    enterprise_check_digit,
    parse_agency_code,
    parse_dossier_code,
    parse_personal_id,
    parse_procedure_code,
)
from tests.unit.contracts.strategies import (
    agency_codes,
    dossier_codes,
    enterprise_codes,
    personal_ids,
    procedure_codes,
)


def _message(code_type: Any, value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(code_type).validate_python(value)
    errors = caught.value.errors()
    assert len(errors) == 1
    return str(errors[0]["msg"])


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("000.00.00.H14", 1),
        ("000.00.20.H56", 2),
        ("000.12.20.H56", 3),
        ("123.12.20.H56", 4),
        ("001.00.00.G09", 4),
        ("H44.07", 2),
        ("H44.100", 2),
        ("G09.20", 2),
    ],
)
def test_agency_codes_in_both_forms_are_accepted_with_their_level(code: str, level: int) -> None:
    """The legal 13-character form and the portal's short form parse; the level is read right to left."""
    assert TypeAdapter(AgencyCode).validate_python(code) == code
    assert agency_level(code) == level


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "000.00.00.h14",
            "agency code '000.00.00.h14': level-1 part must be an upper-case letter and two digits",
        ),
        (
            "000.00.00.114",
            "agency code '000.00.00.114': level-1 part must be an upper-case letter and two digits",
        ),
        (
            "000.00.00.H1",
            "agency code '000.00.00.H1': level-1 part must be an upper-case letter and two digits",
        ),
        ("00.00.00.H14", "agency code '00.00.00.H14': level-4 part must be three digits"),
        ("000.0.00.H14", "agency code '000.0.00.H14': level-3 part must be two digits"),
        ("000.00.2O.H14", "agency code '000.00.2O.H14': level-2 part must be two digits"),
        ("000.00.٢٠.H14", "level-2 part must be two digits"),
        ("H44.7", "agency code 'H44.7': unit part of the short form must be two or three digits"),
        ("H44.1000", "unit part of the short form must be two or three digits"),
        ("H44.000", "agency code 'H44.000': unit part of the short form must not be all zeros"),
        ("h44.07", "agency code 'h44.07': level-1 part must be an upper-case letter and two digits"),
        (
            "H44",
            "agency code 'H44': expected DDD.DD.DD.LNN (13 characters, e.g. 000.00.00.H14) or the short form",
        ),
        ("", "agency code '': expected DDD.DD.DD.LNN"),
        ("000.00.00.H14.", "expected DDD.DD.DD.LNN"),
    ],
)
def test_bad_agency_codes_say_which_part_is_wrong(value: str, problem: str) -> None:
    """A bad agency code names the offending level, quoting the (non-personal) code."""
    assert problem in _message(AgencyCode, value)


@given(agency_codes)
def test_generated_agency_codes_are_valid(code: str) -> None:
    assert parse_agency_code(code).code == code


@pytest.mark.parametrize(
    ("code", "agency", "date", "sequence"),
    [
        ("000.00.20.H56-250612-0007", "000.00.20.H56", dt.date(2025, 6, 12), 7),
        ("G09.20-20260609-0092637", "G09.20", dt.date(2026, 6, 9), 92637),
        ("H44.100-240229-1234", "H44.100", dt.date(2024, 2, 29), 1234),
    ],
)
def test_dossier_codes_parse_into_agency_date_and_sequence(
    code: str, agency: str, date: dt.date, sequence: int
) -> None:
    """Both the circular's form and the ministry form parse; the date is a real date."""
    parts = parse_dossier_code(code)
    assert (parts.agency_code, parts.date, parts.sequence) == (agency, date, sequence)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "000.00.20.H56-250231-0007",
            "dossier code '000.00.20.H56-250231-0007': date part '250231' is not a real date (YYMMDD)",
        ),
        ("000.00.20.H56-230229-0007", "date part '230229' is not a real date (YYMMDD)"),
        ("000.00.20.H56-251312-0007", "date part '251312' is not a real date (YYMMDD)"),
        ("G09.20-20261301-0092637", "date part '20261301' is not a real date (YYYYMMDD)"),
        ("000.00.20.H56-2506120-0007", "date part must be YYMMDD (6 digits) or YYYYMMDD (8 digits)"),
        ("000.00.20.H56-250612-007", "sequence part must be 4 digits after a YYMMDD date"),
        ("G09.20-20260609-0092", "sequence part must be 7 digits after a YYYYMMDD date"),
        ("000.00.20.X5-250612-0007", "agency part: level-1 part must be an upper-case letter and two digits"),
        ("000.00.20.H56/250612/0007", "expected <agency code>-YYMMDD-NNNN"),
    ],
)
def test_bad_dossier_codes_say_what_is_wrong(value: str, problem: str) -> None:
    assert problem in _message(DossierCode, value)


@given(dossier_codes)
def test_generated_dossier_codes_are_valid(code: str) -> None:
    assert parse_dossier_code(code).code == code


@pytest.mark.parametrize(
    ("code", "agency", "online"),
    [
        ("1.000010", None, None),
        ("2.000815.000.00.00.H38", "000.00.00.H38", None),
        ("2.000815.01", None, "01"),
        ("2.000815.000.00.00.H38.02", "000.00.00.H38", "02"),
        ("2.000815.H44.07", "H44.07", None),
        ("2.000815.H44.07.01", "H44.07", "01"),
        ("2.000815.H44.01", "H44.01", None),
    ],
)
def test_procedure_codes_with_local_variant_and_online_suffix(
    code: str, agency: str | None, online: str | None
) -> None:
    parts = parse_procedure_code(code)
    assert (parts.catalogue_code, parts.agency_code, parts.online_service) == (code[:8], agency, online)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1.00001", "procedure code '1.00001': must start with D.DDDDDD"),
        ("12.000010", "must start with D.DDDDDD"),
        ("2.000815.03", "after D.DDDDDD expected a local-variant agency code"),
        ("2.000815-01", "after D.DDDDDD expected"),
        (
            "2.000815.000.00.00.X1",
            "local-variant agency code: level-1 part must be an upper-case letter and two digits",
        ),
        ("2.000815.000.00.00.H38.03", "after D.DDDDDD expected"),
    ],
)
def test_bad_procedure_codes_say_what_is_wrong(value: str, problem: str) -> None:
    assert problem in _message(ProcedureCode, value)


@given(procedure_codes)
def test_generated_procedure_codes_are_valid(code: str) -> None:
    assert parse_procedure_code(code).code == code


def test_personal_id_encodes_province_sex_and_birth_year() -> None:
    parts = parse_personal_id("075301001234")
    assert (parts.province, parts.sex, parts.birth_year) == (75, "female", 2001)
    assert "075301001234" not in repr(parts)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("00409500123", "personal ID (CCCD) must be exactly 12 digits; got 11 digits"),
        ("0040950012345", "got 13 digits"),
        ("00409500123A", "got 12 characters, not all digits"),
        ("000095001234", "province code (digits 1-3) must be between 001 and 096"),
        ("097095001234", "province code (digits 1-3) must be between 001 and 096"),
        (
            "004495001234",
            "the century/sex digit (digit 4) and the birth year (digits 5-6) give a birth year after",
        ),
        ("004999001234", "give a birth year after the current year"),
    ],
)
def test_bad_personal_ids_say_what_is_wrong_without_the_value(value: str, problem: str) -> None:
    message = _message(PersonalId, value)
    assert problem in message
    assert value not in message


def test_a_birth_year_later_this_century_is_rejected() -> None:
    """Century digit 2 with a two-digit year after this year names a future birth."""
    next_year = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year + 1
    value = f"0042{next_year % 100:02d}001234"
    assert "birth year after the current year" in _message(PersonalId, value)


@given(personal_ids())
def test_generated_personal_ids_are_valid(value: str) -> None:
    assert TypeAdapter(PersonalId).validate_python(value) == value


@pytest.mark.parametrize(
    ("code_type", "value", "problem"),
    [
        (OldIdNumber, "12345678", "old ID card number (CMND) must be exactly 9 digits; got 8 digits"),
        (
            CitizenIdNumber,
            "00409500123",
            "must be a 12-digit personal ID (CCCD) or a 9-digit old ID card number",
        ),
        (CitizenIdNumber, "004495001234", "give a birth year after the current year"),
        (
            CitizenIdNumber,
            "12345678X",
            "old ID card number (CMND) must be exactly 9 digits; got 9 characters",
        ),
        (PhoneNumber, "812345678", "phone number must be 0 or +84 followed by 9 or 10 digits"),
        (PhoneNumber, "0012345678", "phone number must be 0 or +84"),
    ],
)
def test_other_personal_identifiers(code_type: Any, value: str, problem: str) -> None:
    message = _message(code_type, value)
    assert problem in message
    assert value not in message


@pytest.mark.parametrize("value", ["123456789", "004095001234"])
def test_citizen_id_numbers_accept_cmnd_and_cccd(value: str) -> None:
    assert TypeAdapter(CitizenIdNumber).validate_python(value) == value


@pytest.mark.parametrize("code", ["0100233488", "0314409058-002", "0312687878-001", "0100112437"])
def test_real_enterprise_codes_are_accepted(code: str) -> None:
    assert TypeAdapter(EnterpriseCode).validate_python(code) == code


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0100233480", "enterprise code: check digit (digit 10) does not match the first nine digits"),
        ("0100233487", "check digit (digit 10) does not match"),
        ("012345678", "must be 10 digits, optionally followed by a branch suffix -NNN"),
        ("0314409058002", "must be 10 digits, optionally followed by a branch suffix -NNN"),
        ("0314409058-000", "branch suffix must be -001 to -999"),
        ("0100000000", "sequence (digits 3-9) must not be 0000000"),
        ("0100000050", "no valid check digit exists for the first nine digits"),
    ],
)
def test_bad_enterprise_codes_say_what_is_wrong_without_the_value(value: str, problem: str) -> None:
    message = _message(EnterpriseCode, value)
    assert problem in message
    assert value not in message


def test_enterprise_check_digit_follows_the_weights() -> None:
    """check = 10 - (Σ wᵢ·dᵢ mod 11); a remainder of 0 leaves no single check digit."""
    total = sum(w * int(d) for w, d in zip((31, 29, 23, 19, 17, 13, 7, 5, 3), "010023348", strict=True))
    assert enterprise_check_digit("010023348") == 10 - total % 11 == 8
    assert enterprise_check_digit("010000005") is None


@given(enterprise_codes())
def test_generated_enterprise_codes_are_valid(code: str) -> None:
    assert TypeAdapter(EnterpriseCode).validate_python(code) == code


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "code must not be empty"),
        ("TP 01", "code must be printable ASCII without spaces; character 3 is U+0020"),
        ("TPđ", "character 3 is U+0111"),
        ("x" * 129, "code must be at most 128 characters; got 129"),
    ],
)
def test_opaque_codes_are_printable_ascii(value: str, problem: str) -> None:
    assert problem in _message(OpaqueCode, value)


@given(
    agency=agency_codes,
    dossier=dossier_codes,
    procedure=procedure_codes,
    personal=personal_ids(),
    enterprise=enterprise_codes(),
)
def test_json_schema_patterns_accept_every_valid_code(
    agency: str, dossier: str, procedure: str, personal: str, enterprise: str
) -> None:
    """The patterns published in the JSON Schemas agree with the validators on valid codes."""
    for code_type, value in [
        (AgencyCode, agency),
        (DossierCode, dossier),
        (ProcedureCode, procedure),
        (PersonalId, personal),
        (CitizenIdNumber, personal),
        (EnterpriseCode, enterprise),
    ]:
        pattern = TypeAdapter(code_type).json_schema()["pattern"]
        assert re.search(pattern, value), (pattern, value)
