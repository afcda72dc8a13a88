"""Bearer tokens of the mock portal, with a hand-moved clock."""

from __future__ import annotations

import pytest

from connectors.national_portal.clock import ManualClock
from connectors.national_portal.tokens import TokenIssuer, TokenProblem, TokenRejectedError

SECRET = "s3cret"  # noqa: S105 - a test client secret


def _issuer(clock: ManualClock, secret: str = SECRET, ttl: float = 60) -> TokenIssuer:
    return TokenIssuer("province", secret, ttl, clock)


def _problem(issuer: TokenIssuer, token: str | None) -> TokenProblem:
    with pytest.raises(TokenRejectedError) as rejected:
        issuer.client_of(token)
    return rejected.value.problem


def test_token_valid_until_its_ttl() -> None:
    """A token names its client until ttl seconds have passed, then it is expired."""
    clock = ManualClock()
    issuer = _issuer(clock)
    issued = issuer.issue("province")
    assert issued.expires_in == 60
    clock.advance(59.9)
    assert issuer.client_of(issued.access_token) == "province"
    clock.advance(0.1)
    assert _problem(issuer, issued.access_token) is TokenProblem.EXPIRED


def test_forged_and_foreign_tokens_are_refused() -> None:
    """A changed token or one signed for another secret fails its signature; junk is malformed."""
    clock = ManualClock()
    issuer = _issuer(clock)
    token = issuer.issue("province").access_token
    body, _, mac = token.partition(".")
    assert _problem(issuer, f"{body}x.{mac}") is TokenProblem.BAD_SIGNATURE
    assert _problem(issuer, _issuer(clock, "other").issue("province").access_token) is (
        TokenProblem.BAD_SIGNATURE
    )
    assert _problem(issuer, "no-dot") is TokenProblem.MALFORMED
    assert _problem(issuer, None) is TokenProblem.MISSING


def test_credentials_and_bearer_header() -> None:
    """Credentials must match both id and secret; only 'Bearer <token>' headers carry a token."""
    issuer = _issuer(ManualClock())
    assert issuer.credentials_valid("province", "s3cret")
    assert not issuer.credentials_valid("province", "s3cret ")
    assert not issuer.credentials_valid("other", "s3cret")
    assert TokenIssuer.bearer_of("Bearer abc.def") == "abc.def"
    assert TokenIssuer.bearer_of("bearer  abc.def ") == "abc.def"
    assert TokenIssuer.bearer_of("Basic abc") is None
    assert TokenIssuer.bearer_of(None) is None
