"""The local Kafka runtime's pure parts: broker configs, version lines, ports, records, error messages."""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy.cli import main
from deploy.kafka import (
    ClusterMismatchError,
    KafkaRelease,
    LocalKafka,
    MissingToolError,
    RuntimeSettings,
    UnsupportedVersionError,
)
from deploy.kafka.artifacts import MARKER, POM, cached_jars, fetch_jars, recipe, release_dir
from deploy.kafka.commands import broker_command, format_command
from deploy.kafka.configuration import logging_config, render_properties, server_properties
from deploy.kafka.state import RunRecord, StateDirectory
from deploy.kafka.toolchain import find_java, find_maven
from deploy.kafka.topology import ClusterSpec, NodeSpec, free_ports, new_cluster_id

SINGLE = ClusterSpec(KafkaRelease.parse("4.4.0"), "q1Sh-IzpRRGS0TDzd8k7Kw", (NodeSpec(1, 19092, 19093),))
TRIO = ClusterSpec(
    KafkaRelease.parse("4.4.0"),
    "q1Sh-IzpRRGS0TDzd8k7Kw",
    (NodeSpec(1, 19092, 19093), NodeSpec(2, 19094, 19095), NodeSpec(3, 19096, 19097)),
)


def test_single_broker_properties_are_a_complete_loopback_kraft_node() -> None:
    """One node is broker and controller, sole voter, loopback only, internal topics sized for one node."""
    assert server_properties(SINGLE, SINGLE.nodes[0], "/data/node-1") == {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": "1@127.0.0.1:19093",
        "listeners": "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093",
        "advertised.listeners": "PLAINTEXT://127.0.0.1:19092",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": "/data/node-1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
    }


def test_three_broker_properties_keep_production_durability() -> None:
    """Three nodes all vote, each listens on its own ports, and replication is 3 with min ISR 2 everywhere."""
    configs = [server_properties(TRIO, node, f"/data/node-{node.node_id}") for node in TRIO.nodes]
    voters = "1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097"
    assert {config["controller.quorum.voters"] for config in configs} == {voters}
    assert [config["node.id"] for config in configs] == ["1", "2", "3"]
    assert [config["advertised.listeners"] for config in configs] == [
        "PLAINTEXT://127.0.0.1:19092",
        "PLAINTEXT://127.0.0.1:19094",
        "PLAINTEXT://127.0.0.1:19096",
    ]
    assert len({config["log.dirs"] for config in configs}) == 3
    for config in configs:
        assert config["default.replication.factor"] == "3"
        assert config["offsets.topic.replication.factor"] == "3"
        assert config["transaction.state.log.replication.factor"] == "3"
        assert config["share.coordinator.state.topic.replication.factor"] == "3"
        assert config["min.insync.replicas"] == "2"
        assert config["transaction.state.log.min.isr"] == "2"
        assert config["share.coordinator.state.topic.min.isr"] == "2"
    assert TRIO.bootstrap == "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"


def test_kafka_3_9_properties_have_no_share_coordinator_settings() -> None:
    """Share groups arrived in 4.0: a 3.9 broker gets no share-coordinator keys."""
    legacy = ClusterSpec(KafkaRelease.parse("3.9.1"), SINGLE.cluster_id, SINGLE.nodes)
    properties = server_properties(legacy, legacy.nodes[0], "/data")
    assert not [key for key in properties if key.startswith("share.")]


def test_rendered_properties_escape_what_iso_8859_1_cannot_hold() -> None:
    """Kafka reads .properties as ISO-8859-1, so a Vietnamese path is written with \\u escapes."""
    text = render_properties({"log.dirs": "/home/người/dữ liệu", "node.id": "1"}, "header line")
    assert text == "# header line\nlog.dirs=/home/ng\\u01b0\\u1eddi/d\\u1eef li\\u1ec7u\nnode.id=1\n"
    assert text.isascii()


@pytest.mark.parametrize(
    ("version", "profile", "config_name", "flag"),
    [
        ("3.9.1", "reload4j", "log4j.properties", "-Dlog4j.configuration=file:///s/log4j.properties"),
        ("4.0.2", "log4j2-core", "log4j2.properties", "-Dlog4j2.configurationFile=/s/log4j2.properties"),
        ("4.1.2", "log4j2", "log4j2.properties", "-Dlog4j2.configurationFile=/s/log4j2.properties"),
        ("4.4.0", "log4j2", "log4j2.properties", "-Dlog4j2.configurationFile=/s/log4j2.properties"),
    ],
)
def test_each_kafka_line_maps_to_its_logging_profile(
    version: str, profile: str, config_name: str, flag: str
) -> None:
    """3.9 logs through reload4j, 4.0 needs log4j-core added, 4.1+ only the slf4j binding."""
    backend = KafkaRelease.parse(version).logging
    assert backend.maven_profile == profile
    assert backend.config_file_name == config_name
    assert backend.jvm_flag(Path("/s") / config_name) == flag


def test_every_logging_profile_exists_in_the_pom() -> None:
    """The profiles the code selects are exactly those the pom declares."""
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ET.parse(POM).getroot()  # noqa: S314 - the repository's own pom, not untrusted input
    declared = {node.text for node in pom.findall("m:profiles/m:profile/m:id", namespace)}
    used = {KafkaRelease.parse(v).logging.maven_profile for v in ("3.9.1", "4.0.2", "4.1.2")}
    assert declared == used


def test_broker_and_format_command_lines() -> None:
    """The broker runs with a small fixed heap, exits on OOM, reads its logging config; no --standalone."""
    config = Path("/state/kafka/node-1/server.properties")
    lib = Path("/cache/kafka-4.4.0/lib")
    release = KafkaRelease.parse("4.4.0")
    assert broker_command("java", lib, release, config) == [
        "java",
        "-Xms256m",
        "-Xmx512m",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=/state/kafka/node-1/log4j2.properties",
        "-cp",
        "/cache/kafka-4.4.0/lib/*",
        "kafka.Kafka",
        str(config),
    ]
    formatting = format_command("java", lib, KafkaRelease.parse("3.9.1"), config, "q1Sh-IzpRRGS0TDzd8k7Kw")
    assert formatting[-6:] == [
        "kafka.tools.StorageTool",
        "format",
        "-t",
        "q1Sh-IzpRRGS0TDzd8k7Kw",
        "-c",
        str(config),
    ]
    assert "-Dlog4j.configuration=file:///state/kafka/node-1/log4j.properties" in formatting
    assert "--standalone" not in formatting


def test_logging_configs_write_to_stdout_and_keep_the_shutdown_lines() -> None:
    """log4j 2 must not stop logging before Kafka's own shutdown hook has finished."""
    log4j2 = logging_config(KafkaRelease.parse("4.4.0").logging)
    assert "shutdownHook = disable" in log4j2
    assert "appender.stdout.type = Console" in log4j2
    assert "org.apache.log4j.ConsoleAppender" in logging_config(KafkaRelease.parse("3.9.1").logging)


@pytest.mark.parametrize("text", ["4.1", "latest", "4.1.2; rm -rf /", "3.8.1", "2.8.2"])
def test_malformed_or_unsupported_versions_are_refused(text: str) -> None:
    """Only full release numbers of 3.9 or later are accepted, with a message saying what is expected."""
    with pytest.raises(UnsupportedVersionError, match=r"Kafka|release number"):
        KafkaRelease.parse(text)


def test_cluster_ids_look_like_kafka_uuids() -> None:
    """16 random bytes, base64url without padding, never starting with '-'."""
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", cluster_id) for cluster_id in ids)


def test_free_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    """Picked ports accept a bind and cannot collide with the local end of an outgoing connection."""
    ports = free_ports(6)
    assert len(set(ports)) == 6
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low, high = (int(p) for p in ephemeral.read_text().split()) if ephemeral.exists() else (32768, 60999)
    assert not [port for port in ports if low <= port <= high]
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_cluster_moves_to_new_ports_only_when_its_own_are_taken() -> None:
    """A restart keeps the recorded ports unless another program listens on one of them."""
    cluster = ClusterSpec.create(KafkaRelease.parse("4.4.0"), 1)
    assert cluster.with_free_ports() == cluster
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", cluster.nodes[0].port))
        squatter.listen()
        moved = cluster.with_free_ports()
    assert moved.nodes[0].port != cluster.nodes[0].port
    assert moved.cluster_id == cluster.cluster_id


def test_run_record_survives_a_round_trip_through_the_state_file(tmp_path: Path) -> None:
    """running.json holds version, ports, pids and bootstrap, and reads back equal."""
    state = StateDirectory(tmp_path)
    record = RunRecord(TRIO, {1: 101, 2: 102, 3: 103}, started_at=1.5)
    state.write_running(record)
    assert state.read_running() == record
    assert (
        '"bootstrap": "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"'
        in (tmp_path / "running.json").read_text()
    )
    state.clear_running()
    assert state.read_running() is None


def test_settings_default_to_dot_state_and_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without LIENTHONG_* variables: ./.state (absolute) and ~/.cache/lienthong."""
    for name in ("LIENTHONG_STATE_DIR", "LIENTHONG_CACHE_DIR", "LIENTHONG_KAFKA_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = RuntimeSettings()
    assert settings.state_dir == tmp_path / ".state"
    assert settings.cache_dir == Path.home() / ".cache" / "lienthong"
    assert settings.kafka_dir == tmp_path / ".state" / "kafka"
    monkeypatch.setenv("LIENTHONG_STATE_DIR", str(tmp_path / "elsewhere"))
    assert RuntimeSettings().state_dir == tmp_path / "elsewhere"


@pytest.fixture
def no_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A PATH with neither java nor mvn on it, and no JAVA_HOME."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return tmp_path


def test_only_a_complete_copy_made_by_the_current_recipe_is_used(tmp_path: Path) -> None:
    """No marker, or a marker from another pom/recipe, means the jars are fetched again."""
    release = KafkaRelease.parse("4.4.0")
    target = release_dir(tmp_path, release)
    (target / "lib").mkdir(parents=True)
    assert cached_jars(tmp_path, release) is None
    (target / MARKER).write_text("recipe 0000000000000000\nkafka_2.13-4.4.0.jar\n", encoding="utf-8")
    assert cached_jars(tmp_path, release) is None
    (target / MARKER).write_text(f"{recipe()}\nkafka_2.13-4.4.0.jar\n", encoding="utf-8")
    assert cached_jars(tmp_path, release) == target / "lib"
    assert cached_jars(tmp_path, KafkaRelease.parse("4.1.2")) is None


def test_missing_java_is_explained(no_tools: Path) -> None:
    """Without Java, up fails before starting anything, saying what to install."""
    with pytest.raises(MissingToolError, match=r"Java was not found.*openjdk"):
        find_java()
    runtime = LocalKafka(RuntimeSettings(state_dir=no_tools / "state", cache_dir=no_tools / "cache"))
    with pytest.raises(MissingToolError, match="Java was not found"):
        runtime.up()


def test_missing_maven_is_explained(no_tools: Path) -> None:
    """Without Maven and with an empty cache, fetching the jars says what to install."""
    with pytest.raises(MissingToolError, match=r"Maven was not found.*apt-get install maven"):
        find_maven()
    with pytest.raises(MissingToolError, match="Maven was not found"):
        fetch_jars(no_tools / "cache", KafkaRelease.parse("4.4.0"))


def test_cli_reports_a_missing_tool_without_a_traceback(
    no_tools: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lienthong kafka fetch` exits 1 with one clear line on stderr."""
    monkeypatch.setenv("LIENTHONG_CACHE_DIR", str(no_tools / "cache"))
    result = CliRunner().invoke(main, ["kafka", "fetch"])
    assert result.exit_code == 1
    assert "Error: Maven was not found" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_asking_for_another_cluster_than_the_recorded_one_is_refused(tmp_path: Path) -> None:
    """A state directory holding a 1-broker 4.4.0 cluster refuses 3 brokers or 3.9.1 with a way out."""
    StateDirectory(tmp_path / "kafka").write_cluster(SINGLE)
    runtime = LocalKafka(RuntimeSettings(state_dir=tmp_path, cache_dir=tmp_path / "cache"))
    with pytest.raises(ClusterMismatchError, match="down --purge"):
        runtime.up(brokers=3)
    with pytest.raises(ClusterMismatchError, match=r"Kafka 4\.4\.0 cluster, not 3\.9\.1"):
        runtime.up(version="3.9.1")


@pytest.mark.parametrize("command", [[], ["up"], ["down"], ["status"], ["logs"], ["fetch"]])
def test_every_kafka_command_has_help(command: list[str]) -> None:
    """`lienthong kafka <command> --help` works and says something."""
    result = CliRunner().invoke(main, ["kafka", *command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_status_of_an_empty_state_directory_says_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing ever ran: status says stopped and exits 3."""
    monkeypatch.setenv("LIENTHONG_STATE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["kafka", "status"])
    assert result.exit_code == 3
    assert "state:     stopped" in result.output
