"""Deciding which fault hits a request: a pure function of the profile, a seeded random stream and a clock.

The decision is made before the request is handled and returned as a :class:`Verdict`; applying it (sleeping,
answering 503, dropping the connection) is the middleware's job. Every request in scope draws the same number
of random variates whatever the outcome, so the same seed and the same sequence of requests give the same
faults. Rules are checked in this order: rate limit, overload, throttle, then timeout or drop-after-write;
latency is added to every request that is handled.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from connectors.national_portal.clock import Clock
from connectors.national_portal.faults import FaultProfile, RateLimit, sample_latency

__all__ = ["CallbackPlan", "FaultInjector", "FaultKind", "Verdict"]


class FaultKind(StrEnum):
    LATENCY = "latency"
    OVERLOAD = "overload"
    THROTTLE = "throttle"
    RATE_LIMIT = "rate_limit"
    TIMEOUT = "timeout"
    DROP_AFTER_WRITE = "drop_after_write"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one request. ``status`` set means answer it at once without handling it."""

    delay_s: float = 0.0
    status: int | None = None
    retry_after_s: int | None = None
    hold_s: float = 0.0
    close: bool = False
    apply_write: bool = False
    drop_after_write: bool = False
    kinds: tuple[FaultKind, ...] = ()

    @property
    def timeout(self) -> bool:
        return FaultKind.TIMEOUT in self.kinds


_CLEAN = Verdict()


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    """How one payment's confirmation goes out: how many identical copies (0 = lost) and how late."""

    copies: int
    delay_s: float


@dataclass(frozen=True, slots=True)
class _Draws:
    """The uniform variates one request draws, one per probabilistic rule."""

    overload: float
    throttle: float
    timeout: float
    drop: float


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float

    def take(self, rule: RateLimit, now: float) -> float:
        """Take one token; returns 0 when granted, else the seconds until one is available."""
        self.tokens = min(float(rule.burst), self.tokens + (now - self.updated) * rule.rate_per_s)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rule.rate_per_s


@dataclass
class FaultInjector:
    """Holds the current profile and decides faults for requests."""

    profile: FaultProfile
    default_seed: int
    clock: Clock
    applied_at: datetime = field(init=False)
    _applied_mono: float = field(init=False)
    _rng: random.Random = field(init=False)
    _buckets: dict[str, _Bucket] = field(init=False)

    def __post_init__(self) -> None:
        self.apply(self.profile)

    def apply(self, profile: FaultProfile) -> None:
        """Replace the profile; windows restart from now, buckets refill, the random stream is re-seeded."""
        self.profile = profile
        self.applied_at = self.clock.now()
        self._applied_mono = self.clock.monotonic()
        seed = self.default_seed if profile.seed is None else profile.seed
        self._rng = random.Random(seed)  # noqa: S311 - faults need a reproducible stream, not secrecy
        self._buckets = {}

    def elapsed(self) -> float:
        return self.clock.monotonic() - self._applied_mono

    def decide(self, method: str, path: str, client: str) -> Verdict:
        profile = self.profile
        if not profile.in_scope(path):
            return _CLEAN
        draws = _Draws(*(self._rng.random() for _ in range(4)))
        delay = sample_latency(profile.latency, self._rng) if profile.latency else self._skip_latency()
        refusal = self._refusal(path, client, draws)
        if refusal is not None:
            return refusal
        latency_kinds = (FaultKind.LATENCY,) if delay > 0 else ()
        timeout = profile.timeout
        if timeout is not None and timeout.covers(path) and draws.timeout < timeout.probability:
            return Verdict(
                delay_s=delay,
                hold_s=timeout.hold_s,
                close=timeout.mode == "close",
                apply_write=timeout.apply_write,
                kinds=(*latency_kinds, FaultKind.TIMEOUT),
            )
        drop = profile.drop_after_write
        if (
            drop is not None
            and drop.covers(path)
            and method.upper() in drop.methods
            and draws.drop < drop.probability
        ):
            return Verdict(
                delay_s=delay, drop_after_write=True, kinds=(*latency_kinds, FaultKind.DROP_AFTER_WRITE)
            )
        return Verdict(delay_s=delay, kinds=latency_kinds)

    def _refusal(self, path: str, client: str, draws: _Draws) -> Verdict | None:
        """A verdict that answers at once (429, 503) without handling the request, or ``None``."""
        profile = self.profile
        now = self.clock.monotonic()
        if profile.rate_limit is not None:
            bucket = self._buckets.setdefault(client, _Bucket(float(profile.rate_limit.burst), now))
            wait = bucket.take(profile.rate_limit, now)
            if wait > 0:
                return Verdict(
                    status=429, retry_after_s=max(1, math.ceil(wait)), kinds=(FaultKind.RATE_LIMIT,)
                )
        overload = profile.overload
        if overload is not None and overload.covers(path):
            elapsed = now - self._applied_mono
            for window in overload.windows:
                if window.start_s <= elapsed < window.end_s:
                    retry = max(1, math.ceil(window.end_s - elapsed))
                    return Verdict(status=503, retry_after_s=retry, kinds=(FaultKind.OVERLOAD,))
            if draws.overload < overload.probability:
                return Verdict(status=503, kinds=(FaultKind.OVERLOAD,))
        throttle = profile.throttle
        if throttle is not None and throttle.covers(path) and draws.throttle < throttle.probability:
            return Verdict(status=429, retry_after_s=throttle.retry_after_s, kinds=(FaultKind.THROTTLE,))
        return None

    def callback_plan(self) -> CallbackPlan:
        """Draw the duplicate and loss outcome of one payment confirmation (two variates, always)."""
        rules = self.profile.payment
        u_duplicate, u_loss = self._rng.random(), self._rng.random()
        if u_loss < rules.callback_loss_probability:
            return CallbackPlan(copies=0, delay_s=rules.callback_delay_s)
        copies = 2 if u_duplicate < rules.duplicate_callback_probability else 1
        return CallbackPlan(copies=copies, delay_s=rules.callback_delay_s)

    def _skip_latency(self) -> float:
        self._rng.random()
        self._rng.gauss(0.0, 1.0)
        return 0.0

    def describe(self) -> dict[str, Any]:
        """The profile as set, when it was applied and how long ago (what ``GET /admin/faults`` shows)."""
        return {
            "profile": self.profile.model_dump(mode="json"),
            "applied_at": self.applied_at.isoformat(),
            "elapsed_s": round(self.elapsed(), 3),
        }
