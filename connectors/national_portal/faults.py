"""What can go wrong, declared as data: the fault profile and its latency distributions.

A profile is set at start (``LIENTHONG_PORTAL_FAULTS`` as JSON, or ``--faults FILE``) and replaced at run time
with ``PUT /admin/faults``. Every section is optional; an empty profile ``{}`` is a healthy portal. Example::

    {
      "scope": ["/api/"],
      "latency": {"kind": "lognormal", "median_ms": 80, "p99_ms": 1500},
      "overload": {"windows": [{"start_s": 0, "end_s": 30}], "probability": 0.02},
      "throttle": {"probability": 0.05, "retry_after_s": 2},
      "timeout": {"probability": 0.01, "hold_s": 35, "mode": "504"},
      "drop_after_write": {"probability": 0.01},
      "rate_limit": {"rate_per_s": 20, "burst": 40},
      "payment": {"duplicate_callback_probability": 0.1, "callback_delay_s": 5}
    }

Window times are seconds relative to the moment the profile was applied. ``paths`` on a rule narrows it to
request paths starting with one of the given prefixes; ``scope`` says which paths faults may touch at all (the
OAuth, admin, health and citizen-side paths only when listed). ``seed`` overrides the portal's seed for this
profile.
"""

from __future__ import annotations

import math
import random
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DropAfterWrite",
    "FaultProfile",
    "FixedLatency",
    "Latency",
    "LognormalLatency",
    "Overload",
    "OverloadWindow",
    "PaymentFaults",
    "RateLimit",
    "RequestFault",
    "Throttle",
    "Timeout",
    "UniformLatency",
    "sample_latency",
]

_Z99 = 2.3263478740408408  # the standard normal's 99th percentile
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(ge=0.0)]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixedLatency(_Rule):
    kind: Literal["fixed"] = "fixed"
    ms: Annotated[float, Field(ge=0)]


class UniformLatency(_Rule):
    kind: Literal["uniform"] = "uniform"
    min_ms: Annotated[float, Field(ge=0)]
    max_ms: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> UniformLatency:
        if self.max_ms < self.min_ms:
            raise ValueError("max_ms must not be below min_ms")
        return self


class LognormalLatency(_Rule):
    """A long-tailed latency given by its median and 99th percentile (what dashboards show)."""

    kind: Literal["lognormal"] = "lognormal"
    median_ms: Annotated[float, Field(gt=0)]
    p99_ms: Annotated[float, Field(gt=0)]
    cap_ms: Annotated[float, Field(gt=0)] = 60_000

    @model_validator(mode="after")
    def _ordered(self) -> LognormalLatency:
        if self.p99_ms < self.median_ms:
            raise ValueError("p99_ms must not be below median_ms")
        return self


Latency = Annotated[FixedLatency | UniformLatency | LognormalLatency, Field(discriminator="kind")]


class RequestFault(_Rule):
    """A rule that may hit a request; ``paths`` narrows it to path prefixes (all in scope when absent)."""

    paths: list[str] | None = None

    def covers(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)


class OverloadWindow(_Rule):
    start_s: Seconds
    end_s: Seconds

    @model_validator(mode="after")
    def _ordered(self) -> OverloadWindow:
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        return self


class Overload(RequestFault):
    """503 Service Unavailable inside the windows ``[start_s, end_s)``, or at random with ``probability``."""

    windows: list[OverloadWindow] = Field(default_factory=list)
    probability: Probability = 0.0


class Throttle(RequestFault):
    """429 Too Many Requests with ``Retry-After``, at random."""

    probability: Probability
    retry_after_s: Annotated[int, Field(ge=0)] = 1


class Timeout(RequestFault):
    """Hold the request ``hold_s`` then answer 504 or close the connection; ``apply_write`` runs it first."""

    probability: Probability
    hold_s: Seconds = 30.0
    mode: Literal["504", "close"] = "504"
    apply_write: bool = False


class DropAfterWrite(RequestFault):
    """Apply the request, then drop the connection without an answer (by default only for writes)."""

    probability: Probability
    methods: list[str] = Field(default_factory=lambda: ["POST", "PUT", "PATCH", "DELETE"])


class RateLimit(_Rule):
    """A token bucket per client (per token's client id, else per peer address): 429 with ``Retry-After``."""

    rate_per_s: Annotated[float, Field(gt=0)]
    burst: Annotated[int, Field(ge=1)] = 1


class PaymentFaults(_Rule):
    """How the payment platform misbehaves towards the partner's callback endpoint."""

    duplicate_callback_probability: Probability = 0.0
    callback_delay_s: Seconds = 0.0
    callback_loss_probability: Probability = 0.0


class FaultProfile(_Rule):
    """Every fault the portal injects; see the module docstring for an example."""

    scope: list[str] = Field(default_factory=lambda: ["/api/"])
    latency: Latency | None = None
    overload: Overload | None = None
    throttle: Throttle | None = None
    timeout: Timeout | None = None
    drop_after_write: DropAfterWrite | None = None
    rate_limit: RateLimit | None = None
    payment: PaymentFaults = Field(default_factory=PaymentFaults)
    seed: int | None = None

    def in_scope(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.scope)


def sample_latency(latency: FixedLatency | UniformLatency | LognormalLatency, rng: random.Random) -> float:
    """One delay in seconds. Draws exactly one uniform and one normal variate whatever the kind, so the random
    stream (and therefore every later decision) does not depend on which distribution is configured."""
    uniform, normal = rng.random(), rng.gauss(0.0, 1.0)
    if isinstance(latency, FixedLatency):
        millis = latency.ms
    elif isinstance(latency, UniformLatency):
        millis = latency.min_ms + (latency.max_ms - latency.min_ms) * uniform
    else:
        sigma = math.log(latency.p99_ms / latency.median_ms) / _Z99
        millis = min(latency.cap_ms, latency.median_ms * math.exp(sigma * normal))
    return millis / 1000.0
