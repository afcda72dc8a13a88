"""The local Kafka runtime: real Apache Kafka brokers on loopback, run from the jars on Maven Central.

:class:`LocalKafka` is what ``lienthong kafka`` and the test fixtures call. ``up`` is idempotent: brokers that
are already running and answering are reused; a stopped cluster is restarted with its data; a new one is
formatted first. ``down`` stops the brokers and keeps their data unless asked to purge it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deploy.kafka import processes
from deploy.kafka.artifacts import cached_jars, fetch_jars
from deploy.kafka.commands import broker_command, format_command
from deploy.kafka.configuration import logging_config, render_properties, server_properties
from deploy.kafka.errors import BrokerStartError, ClusterMismatchError, KafkaRuntimeError
from deploy.kafka.logfiles import tail
from deploy.kafka.readiness import wait_until_ready
from deploy.kafka.settings import RuntimeSettings
from deploy.kafka.state import RunRecord, StateDirectory
from deploy.kafka.status import ClusterStatus, NodeStatus
from deploy.kafka.toolchain import find_java
from deploy.kafka.topology import ClusterSpec, NodeSpec
from deploy.kafka.versions import KafkaRelease

__all__ = ["LocalKafka"]

_LOG_TAIL_LINES = 30
_FORMAT_TIMEOUT = 120.0


class LocalKafka:
    """Real Apache Kafka brokers on loopback, kept in one state directory."""

    def __init__(
        self, settings: RuntimeSettings | None = None, *, progress: Callable[[str], None] | None = None
    ) -> None:
        """``progress`` receives a line for each slow step (fetching jars, formatting, starting)."""
        self.settings = settings if settings is not None else RuntimeSettings()
        self._state = StateDirectory(self.settings.kafka_dir)
        self._progress = progress if progress is not None else _ignore

    def fetch(self, version: str | None = None) -> Path:
        """Resolve the jars of ``version`` (default: the configured one) into the cache; return their dir."""
        return self._jars(KafkaRelease.parse(version or self.settings.kafka_version))

    def up(
        self, *, brokers: int | None = None, version: str | None = None, timeout: float = 90.0
    ) -> ClusterStatus:
        """Make sure a cluster runs and answers; return its status (``reused`` tells whether it already ran).

        ``brokers`` and ``version`` default to those of the cluster already in the state directory, else to
        one broker of the configured version. Asking for another size or version than the recorded cluster's
        is an error (:class:`ClusterMismatchError`): its data would not fit.
        """
        if brokers is not None and brokers < 1:
            raise KafkaRuntimeError(f"a cluster needs at least one broker, not {brokers}")
        explicit = version or (
            self.settings.kafka_version if "kafka_version" in self.settings.model_fields_set else None
        )
        requested = KafkaRelease.parse(explicit) if explicit else None
        with self._state.lock():
            record = self._state.read_running()
            if record is not None:
                if all(self._alive(record, node) for node in record.cluster.nodes):
                    _check_matches(record.cluster, requested, brokers, self._state.root)
                    self._wait_ready(record, timeout)
                    return self._status(record, reused=True)
                self._stop(record, timeout=30.0)
            return self._start(self._prepare(requested, brokers), timeout)

    def down(self, *, timeout: float = 30.0, purge: bool = False) -> bool:
        """Stop the brokers (SIGTERM, then SIGKILL after ``timeout`` s); ``purge`` also deletes their data.

        Returns whether anything was running. Doing it when nothing runs is fine.
        """
        with self._state.lock():
            record = self._state.read_running()
            was_running = record is not None and any(self._alive(record, n) for n in record.cluster.nodes)
            if record is not None:
                self._stop(record, timeout)
            if purge:
                self._state.purge()
            return was_running

    def status(self) -> ClusterStatus:
        """The cluster recorded in the state directory and whether each node runs."""
        record = self._state.read_running()
        if record is not None:
            return self._status(record)
        cluster = self._state.read_cluster()
        nodes = () if cluster is None else cluster.nodes
        return ClusterStatus(
            state_dir=self.settings.state_dir,
            version=None if cluster is None else str(cluster.release),
            bootstrap=None,
            nodes=tuple(
                NodeStatus(n.node_id, n.address, None, False, self._state.log_file(n.node_id)) for n in nodes
            ),
        )

    def log_file(self, node_id: int = 1) -> Path:
        """The output file of one node's broker."""
        return self._state.log_file(node_id)

    def log_tail(self, lines: int = 50, node_id: int = 1) -> str:
        """The last ``lines`` lines of one node's broker output."""
        return tail(self.log_file(node_id), lines)

    def kill_node(self, node_id: int) -> None:
        """SIGKILL one running node, as a crash would (failover tests); the others keep running."""
        record = self._state.read_running()
        if record is None or node_id not in record.pids:
            raise KafkaRuntimeError(f"node {node_id} is not running in {self._state.root}")
        processes.kill(record.pids[node_id], self._marker(node_id))

    def _prepare(self, requested: KafkaRelease | None, brokers: int | None) -> ClusterSpec:
        existing = self._state.read_cluster()
        if existing is not None:
            _check_matches(existing, requested, brokers, self._state.root)
            return existing.with_free_ports()
        self._state.purge()
        release = requested or KafkaRelease.parse(self.settings.kafka_version)
        return ClusterSpec.create(release, brokers or 1)

    def _start(self, cluster: ClusterSpec, timeout: float) -> ClusterStatus:
        java = find_java()
        lib = self._jars(cluster.release)
        for node in cluster.nodes:
            self._write_configs(cluster, node)
        self._format(cluster, java, lib)
        self._state.write_cluster(cluster)
        self._progress(
            f"Starting Kafka {cluster.release}: {len(cluster.nodes)} broker(s) in {self._state.root}"
        )
        pids: dict[int, int] = {}
        for node in cluster.nodes:
            config = self._state.config_file(node.node_id)
            argv = broker_command(java, lib, cluster.release, config)
            pids[node.node_id] = processes.launch(argv, self._state.log_file(node.node_id), config.parent)
        record = RunRecord(cluster, pids)
        self._state.write_running(record)
        try:
            self._wait_ready(record, timeout)
        except KafkaRuntimeError:
            self._stop(record, timeout=10.0)
            raise
        return self._status(record)

    def _jars(self, release: KafkaRelease) -> Path:
        if cached_jars(self.settings.cache_dir, release) is None:
            self._progress(f"Fetching the Kafka {release} jars from Maven Central (once per version)")
        return fetch_jars(self.settings.cache_dir, release)

    def _write_configs(self, cluster: ClusterSpec, node: NodeSpec) -> None:
        directory = self._state.node_dir(node.node_id)
        self._state.data_dir(node.node_id).mkdir(parents=True, exist_ok=True)
        properties = server_properties(cluster, node, str(self._state.data_dir(node.node_id)))
        header = f"Kafka {cluster.release}, node {node.node_id} of {len(cluster.nodes)}"
        header += "; written by `lienthong kafka up`"
        (directory / "server.properties").write_text(render_properties(properties, header), encoding="utf-8")
        backend = cluster.release.logging
        (directory / backend.config_file_name).write_text(logging_config(backend), encoding="utf-8")

    def _format(self, cluster: ClusterSpec, java: str, lib: Path) -> None:
        pending = [node for node in cluster.nodes if not self._state.is_formatted(node.node_id)]
        if not pending:
            return
        self._progress(f"Formatting the storage of {len(pending)} node(s), cluster id {cluster.cluster_id}")
        commands = [
            (
                format_command(
                    java, lib, cluster.release, self._state.config_file(n.node_id), cluster.cluster_id
                ),
                self._state.format_log(n.node_id),
            )
            for n in pending
        ]
        codes = processes.run_to_completion(commands, self._state.root, _FORMAT_TIMEOUT)
        for node, code in zip(pending, codes, strict=True):
            if code != 0:
                log = self._state.format_log(node.node_id)
                raise BrokerStartError(
                    f"Formatting the storage of Kafka node {node.node_id} failed (exit code {code}). "
                    f"Last lines of {log}:\n{tail(log, _LOG_TAIL_LINES)}"
                )

    def _wait_ready(self, record: RunRecord, timeout: float) -> None:
        def check_processes() -> None:
            for node in record.cluster.nodes:
                if not self._alive(record, node):
                    pid = record.pids[node.node_id]
                    code = processes.exit_code(pid)
                    how = "" if code is None else f" with exit code {code}"
                    log = self._state.log_file(node.node_id)
                    raise BrokerStartError(
                        f"Kafka broker {node.node_id} (pid {pid}) exited{how} before it was ready. "
                        f"Last lines of {log}:\n{tail(log, _LOG_TAIL_LINES)}"
                    )

        try:
            wait_until_ready(record.cluster, timeout, check_processes)
        except BrokerStartError:
            raise
        except KafkaRuntimeError as exc:
            log = self._state.log_file(record.cluster.nodes[0].node_id)
            raise type(exc)(f"{exc}. Last lines of {log}:\n{tail(log, _LOG_TAIL_LINES)}") from exc

    def _stop(self, record: RunRecord, timeout: float) -> None:
        processes.stop(
            ((record.pids[n.node_id], self._marker(n.node_id)) for n in record.cluster.nodes), timeout
        )
        self._state.clear_running()

    def _alive(self, record: RunRecord, node: NodeSpec) -> bool:
        return processes.is_running(record.pids[node.node_id], self._marker(node.node_id))

    def _marker(self, node_id: int) -> str:
        return str(self._state.config_file(node_id))

    def _status(self, record: RunRecord, *, reused: bool = False) -> ClusterStatus:
        nodes = tuple(
            NodeStatus(
                n.node_id,
                n.address,
                record.pids[n.node_id],
                self._alive(record, n),
                self._state.log_file(n.node_id),
            )
            for n in record.cluster.nodes
        )
        return ClusterStatus(
            self.settings.state_dir, str(record.cluster.release), record.cluster.bootstrap, nodes, reused
        )


def _check_matches(
    cluster: ClusterSpec, release: KafkaRelease | None, brokers: int | None, root: Path
) -> None:
    if release is not None and release != cluster.release:
        raise ClusterMismatchError(
            f"{root} holds a Kafka {cluster.release} cluster, not {release}; run "
            f"`lienthong kafka down --purge` to discard it first, or ask for {cluster.release}"
        )
    if brokers is not None and brokers != len(cluster.nodes):
        raise ClusterMismatchError(
            f"{root} holds a cluster of {len(cluster.nodes)} broker(s), not {brokers}; run "
            "`lienthong kafka down --purge` to discard it first, or use another LIENTHONG_STATE_DIR"
        )


def _ignore(_message: str) -> None:
    pass
