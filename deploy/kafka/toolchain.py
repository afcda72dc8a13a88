"""The external programs the runtime needs: a Java runtime to run the broker, Maven to fetch its jars."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from deploy.kafka.errors import MissingToolError

__all__ = ["find_java", "find_maven"]


def find_java() -> str:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` when set, else the one on ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise MissingToolError(
            "Java was not found (no `java` on PATH and no usable JAVA_HOME). The local Kafka broker is a "
            "Java program: install a Java 17+ runtime (Debian/Ubuntu: "
            "`sudo apt-get install openjdk-17-jre-headless`) or set KAFKA_BOOTSTRAP_SERVERS to use a broker "
            "you already run."
        )
    return found


def find_maven() -> str:
    """The ``mvn`` on ``PATH``; needed once per Kafka version, to download the broker's jars."""
    found = shutil.which("mvn")
    if found is None:
        raise MissingToolError(
            "Maven was not found (no `mvn` on PATH). It downloads the Kafka broker's jars from Maven Central "
            "once per version: install it (Debian/Ubuntu: `sudo apt-get install maven`), or set "
            "KAFKA_BOOTSTRAP_SERVERS to use a broker you already run."
        )
    return found
