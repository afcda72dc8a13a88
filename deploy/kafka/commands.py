"""The Java command lines of a node: the storage format tool and the broker itself. Pure, no I/O.

The broker runs with a small fixed heap (Kafka's own scripts give it 1 GB, more than a local or test broker
needs) and exits on the first OutOfMemoryError instead of limping on.
"""

from __future__ import annotations

from pathlib import Path

from deploy.kafka.versions import KafkaRelease

__all__ = ["BROKER_HEAP", "broker_command", "format_command"]

BROKER_HEAP = ("-Xms256m", "-Xmx512m")
_TOOL_HEAP = "-Xmx256m"


def broker_command(java: str, lib: Path, release: KafkaRelease, config: Path) -> list[str]:
    """``java ... kafka.Kafka <config>``; the logging config is expected next to ``config``."""
    return [
        java,
        *BROKER_HEAP,
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        *_common(lib, release, config),
        "kafka.Kafka",
        str(config),
    ]


def format_command(java: str, lib: Path, release: KafkaRelease, config: Path, cluster_id: str) -> list[str]:
    """``java ... kafka.tools.StorageTool format -t <id> -c <config>``; static quorum, so no --standalone."""
    return [
        java,
        _TOOL_HEAP,
        *_common(lib, release, config),
        "kafka.tools.StorageTool",
        "format",
        "-t",
        cluster_id,
        "-c",
        str(config),
    ]


def _common(lib: Path, release: KafkaRelease, config: Path) -> list[str]:
    backend = release.logging
    return [backend.jvm_flag(config.with_name(backend.config_file_name)), "-cp", f"{lib}/*"]
