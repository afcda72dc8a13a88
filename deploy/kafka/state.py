"""The files a local cluster keeps in the state directory, and the records stored in them.

::

    <state>/kafka/.lock                 held while a command changes anything below
    <state>/kafka/cluster.json          the cluster: version, cluster id, node ids, ports (``down`` keeps it)
    <state>/kafka/running.json          the running brokers: cluster, pids, bootstrap (``down`` removes it)
    <state>/kafka/node-<id>/server.properties, log4j2.properties (log4j.properties on 3.9)
    <state>/kafka/node-<id>/data/       the node's log segments and KRaft metadata
    <state>/kafka/node-<id>/server.log  the broker's stdout and stderr
    <state>/kafka/node-<id>/format.log  the storage format tool's output
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from deploy.kafka.errors import KafkaRuntimeError
from deploy.kafka.locks import file_lock
from deploy.kafka.topology import ClusterSpec

__all__ = ["RunRecord", "StateDirectory"]

_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A started cluster: its spec, the pid of each node and when it was started."""

    cluster: ClusterSpec
    pids: dict[int, int]
    started_at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        """The content of ``running.json``."""
        data = self.cluster.to_json()
        for node in data["nodes"]:
            node["pid"] = self.pids[node["node_id"]]
        return {**data, "bootstrap": self.cluster.bootstrap, "started_at": self.started_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        """Read back ``running.json``."""
        pids = {int(node["node_id"]): int(node["pid"]) for node in data["nodes"]}
        return cls(ClusterSpec.from_json(data), pids, float(data["started_at"]))


@dataclass(frozen=True, slots=True)
class StateDirectory:
    """Paths and records under ``<state>/kafka``."""

    root: Path

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive use of this state directory across processes."""
        return file_lock(self.root / ".lock")

    def node_dir(self, node_id: int) -> Path:
        """Everything of one node."""
        return self.root / f"node-{node_id}"

    def config_file(self, node_id: int) -> Path:
        """The node's ``server.properties``."""
        return self.node_dir(node_id) / "server.properties"

    def data_dir(self, node_id: int) -> Path:
        """The node's ``log.dirs``."""
        return self.node_dir(node_id) / "data"

    def log_file(self, node_id: int) -> Path:
        """The broker's output."""
        return self.node_dir(node_id) / "server.log"

    def format_log(self, node_id: int) -> Path:
        """The storage format tool's output."""
        return self.node_dir(node_id) / "format.log"

    def is_formatted(self, node_id: int) -> bool:
        """Whether the node's storage has been formatted."""
        return (self.data_dir(node_id) / "meta.properties").is_file()

    def read_cluster(self) -> ClusterSpec | None:
        """The cluster recorded here, if any."""
        return self._read(self.root / "cluster.json", ClusterSpec.from_json)

    def write_cluster(self, cluster: ClusterSpec) -> None:
        """Record ``cluster`` (its nodes are formatted)."""
        self._write(self.root / "cluster.json", cluster.to_json())

    def read_running(self) -> RunRecord | None:
        """The brokers recorded as started, if any (they may have died since)."""
        return self._read(self.root / "running.json", RunRecord.from_json)

    def write_running(self, record: RunRecord) -> None:
        """Record started brokers."""
        self._write(self.root / "running.json", record.to_json())

    def clear_running(self) -> None:
        """Forget the started brokers."""
        (self.root / "running.json").unlink(missing_ok=True)

    def purge(self) -> None:
        """Remove the cluster's configs, data and logs (not the lock file, which another command may hold)."""
        for path in self._entries():
            if path.name == ".lock":
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def _entries(self) -> Iterator[Path]:
        return iter(sorted(self.root.iterdir())) if self.root.is_dir() else iter(())

    def _read(self, path: Path, parse: Callable[[dict[str, Any]], _R]) -> _R | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, found {type(data).__name__}")
            return parse(data)
        except (ValueError, TypeError, KeyError) as exc:
            raise KafkaRuntimeError(
                f"{path} is damaged ({exc!r}); stop what still runs and start afresh with "
                "`lienthong kafka down --purge`"
            ) from exc

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
