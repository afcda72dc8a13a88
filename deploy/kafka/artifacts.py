"""The broker's jars: resolved from Maven Central with ``deploy/kafka/pom.xml``, cached per Kafka version.

Cache layout (``<cache>`` is :attr:`RuntimeSettings.cache_dir`)::

    <cache>/kafka-4.4.0/lib/*.jar      every runtime jar of that release and its logging backend
    <cache>/kafka-4.4.0/COMPLETE       written last, naming the recipe (pom + resolution scheme) and the jars;
                                       a directory without it, or made by another recipe, is fetched again
    <cache>/kafka-4.4.0.lock           serialises concurrent fetches of one version

On 4.1 and later a first Maven run resolves Kafka alone, to learn which log4j release it depends on; the
second adds the slf4j binding of that very release (``-Dlog4j2.version``). Maven copies into a fresh temporary
directory next to the target, which is renamed into place only once the marker is written, so an interrupted
fetch leaves nothing that looks usable and versions never mix.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from deploy.kafka.errors import JarResolutionError
from deploy.kafka.locks import file_lock
from deploy.kafka.toolchain import find_maven
from deploy.kafka.versions import LOG4J2, LOG4J2_WITH_CORE, KafkaRelease

__all__ = ["MARKER", "POM", "cached_jars", "fetch_jars", "recipe", "release_dir"]

POM = Path(__file__).with_name("pom.xml")
MARKER = "COMPLETE"
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"
_OUTPUT_TAIL = 40
_RESOLUTION_SCHEME = 2  # bump when the way the pom is run changes what lands in lib/


def release_dir(cache_dir: Path, release: KafkaRelease) -> Path:
    """The cache directory of one Kafka release (it may not exist yet)."""
    return cache_dir / f"kafka-{release}"


def cached_jars(cache_dir: Path, release: KafkaRelease) -> Path | None:
    """The ``lib`` directory of ``release`` if a complete copy made by the current recipe is cached."""
    target = release_dir(cache_dir, release)
    try:
        recorded = (target / MARKER).read_text(encoding="utf-8").partition("\n")[0]
    except OSError:
        return None
    return target / "lib" if recorded == recipe() else None


def recipe() -> str:
    """What decides a cached copy's content besides the version: the pom and how it is run."""
    digest = hashlib.sha256(POM.read_bytes())
    digest.update(f"{_RESOLUTION_SCHEME} {_DEPENDENCY_PLUGIN}".encode())
    return f"recipe {digest.hexdigest()[:16]}"


def fetch_jars(cache_dir: Path, release: KafkaRelease) -> Path:
    """Return the ``lib`` directory holding ``release``'s jars, resolving them with Maven when not cached."""
    lib = cached_jars(cache_dir, release)
    if lib is not None:
        return lib
    cache_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(cache_dir / f"kafka-{release}.lock"):
        lib = cached_jars(cache_dir, release)
        if lib is not None:
            return lib
        target = release_dir(cache_dir, release)
        staging = Path(tempfile.mkdtemp(prefix=f".kafka-{release}.", dir=cache_dir))
        try:
            _copy_dependencies(release, staging / "lib")
            jars = sorted(path.name for path in (staging / "lib").glob("*.jar"))
            if not any(name.startswith(f"kafka_2.13-{release}") for name in jars):
                raise JarResolutionError(
                    f"Maven finished but kafka_2.13-{release}.jar is not among the copied jars in {staging}"
                )
            (staging / MARKER).write_text("\n".join([recipe(), *jars]) + "\n", encoding="utf-8")
            if target.exists():
                # A copy from an older recipe (or a crashed fetch of long ago): replaced whole, never mixed.
                shutil.rmtree(target)
            staging.chmod(0o755)  # mkdtemp makes it private; the jars are not secret
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return target / "lib"


def _copy_dependencies(release: KafkaRelease, output: Path) -> None:
    backend = release.logging
    properties: dict[str, str] = {}
    if backend == LOG4J2:
        # Kafka's patch releases move log4j on (4.1.0: 2.24.3, 4.1.2: 2.25.3, 4.4.0: 2.25.5). The slf4j
        # binding must be that same log4j release, and must not drag log4j-api/core back to an older one.
        probe = output.parent / "kafka-only"
        _run_maven(release, probe, profile=None, properties={})
        core = sorted(probe.glob("log4j-core-*.jar"))
        shutil.rmtree(probe)
        if core:
            properties["log4j2.version"] = core[0].name.removeprefix("log4j-core-").removesuffix(".jar")
        else:
            backend = LOG4J2_WITH_CORE
    _run_maven(release, output, profile=backend.maven_profile, properties=properties)


def _run_maven(release: KafkaRelease, output: Path, profile: str | None, properties: dict[str, str]) -> None:
    command = [find_maven(), "-B", "-q", "-Dstyle.color=never", "-f", str(POM), f"-Dkafka.version={release}"]
    command += [f"-D{key}={value}" for key, value in properties.items()]
    command += ["-P", profile] if profile else []
    command += [_DEPENDENCY_PLUGIN, "-DincludeScope=runtime", f"-DoutputDirectory={output}"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    except subprocess.TimeoutExpired as exc:
        raise JarResolutionError(
            f"Maven did not finish resolving the Kafka {release} jars within {exc.timeout:.0f} s; "
            "is Maven Central (https://repo.maven.apache.org) reachable?"
        ) from exc
    if result.returncode != 0:
        output_tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-_OUTPUT_TAIL:])
        raise JarResolutionError(
            f"Maven could not resolve the jars of Kafka {release} (exit code {result.returncode}). "
            "Check that the version exists on Maven Central and that it is reachable. Maven said:\n"
            f"{output_tail}"
        )
