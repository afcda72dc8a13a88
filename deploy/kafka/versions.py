"""Kafka releases the runtime can run, and what differs between their lines.

Kafka's published POMs leave the logging backend out, and it changed twice: 3.9 logs through log4j 1
(reload4j), 4.0 through log4j 2 without bringing log4j-core along, 4.1 and later bring log4j-api/core
themselves. Each line maps to a Maven profile of ``deploy/kafka/pom.xml`` and to the kind of logging config
file the broker reads.
Share groups (and so the share-coordinator settings) exist from 4.0 on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from deploy.kafka.errors import UnsupportedVersionError

__all__ = [
    "DEFAULT_VERSION",
    "LOG4J1",
    "LOG4J2",
    "LOG4J2_WITH_CORE",
    "KafkaRelease",
    "LoggingBackend",
]

DEFAULT_VERSION = "4.4.0"
"""The newest release checked here with aiokafka 0.14, transactions included (see deploy/kafka/README.md)."""

_OLDEST_SUPPORTED = (3, 9)
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class LoggingBackend:
    """How one Kafka line logs: the pom profile adding the backend, how the JVM is pointed at its config."""

    maven_profile: str
    config_file_name: str
    jvm_property: str
    uses_file_url: bool

    def jvm_flag(self, config_file: Path) -> str:
        """The ``-D`` flag that makes the broker read ``config_file``."""
        location = config_file.as_uri() if self.uses_file_url else str(config_file)
        return f"-D{self.jvm_property}={location}"


LOG4J1 = LoggingBackend("reload4j", "log4j.properties", "log4j.configuration", uses_file_url=True)
LOG4J2_WITH_CORE = LoggingBackend(
    "log4j2-core", "log4j2.properties", "log4j2.configurationFile", uses_file_url=False
)
LOG4J2 = LoggingBackend("log4j2", "log4j2.properties", "log4j2.configurationFile", uses_file_url=False)


@dataclass(frozen=True, slots=True, order=True)
class KafkaRelease:
    """A Kafka release number such as ``4.1.2``."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> KafkaRelease:
        """Parse ``text``, checking it is in a supported line (else :class:`UnsupportedVersionError`)."""
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            raise UnsupportedVersionError(
                f"{text!r} is not a Kafka release number; give one such as {DEFAULT_VERSION} "
                "(the releases are listed at https://kafka.apache.org/downloads)"
            )
        release = cls(*(int(part) for part in match.groups()))
        if (release.major, release.minor) < _OLDEST_SUPPORTED:
            oldest = ".".join(map(str, _OLDEST_SUPPORTED))
            raise UnsupportedVersionError(
                f"Kafka {release} is older than {oldest}, the oldest line this runtime runs"
            )
        return release

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def logging(self) -> LoggingBackend:
        """The logging backend this release's line needs."""
        if self.major < 4:
            return LOG4J1
        if (self.major, self.minor) == (4, 0):
            return LOG4J2_WITH_CORE
        return LOG4J2

    @property
    def has_share_groups(self) -> bool:
        """Whether the broker knows the share-coordinator settings (KIP-932, Kafka 4.0 and later)."""
        return self.major >= 4
