"""The files a broker reads at start: ``server.properties`` and its logging config. Pure text, no I/O.

Kafka's defaults assume a production cluster of at least three brokers (internal topics with replication 3 and
min ISR 2); a single local node would hang on its first transaction or consumer-group commit with them, so the
internal topics follow the cluster's size. Three nodes keep the production durability settings, so failover
tests see what production sees.
"""

from __future__ import annotations

from deploy.kafka.topology import HOST, ClusterSpec, NodeSpec
from deploy.kafka.versions import LOG4J1, LoggingBackend

__all__ = ["logging_config", "render_properties", "server_properties"]


def server_properties(cluster: ClusterSpec, node: NodeSpec, data_dir: str) -> dict[str, str]:
    """The broker settings of ``node`` in ``cluster``, storing its log segments under ``data_dir``."""
    replicated = len(cluster.nodes) >= 3
    replication = "3" if replicated else "1"
    min_isr = "2" if replicated else "1"
    properties = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": cluster.quorum_voters,
        "listeners": f"PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{node.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": data_dir,
        "default.replication.factor": replication,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replication,
        "transaction.state.log.replication.factor": replication,
        "transaction.state.log.min.isr": min_isr,
        # One partition each: creating the internal topics is most of a fresh broker's first-use latency.
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        # Topics are created explicitly (lienthong's topology, the tests' admin client), as in production.
        # With auto-creation a misspelt topic would silently appear with one partition instead of failing.
        "auto.create.topics.enable": "false",
    }
    if cluster.release.has_share_groups:
        properties["share.coordinator.state.topic.replication.factor"] = replication
        properties["share.coordinator.state.topic.min.isr"] = min_isr
    return properties


def render_properties(properties: dict[str, str], header: str) -> str:
    """A Java ``.properties`` file; ``header`` becomes its leading comment."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"{key}={_escape(value)}" for key, value in properties.items()]
    return "\n".join(lines) + "\n"


def logging_config(backend: LoggingBackend) -> str:
    """A logging config for ``backend`` that writes to stdout, which the runtime sends to the node's log file.

    A ``.properties`` file for log4j 2 as well: the YAML config shipped with Kafka needs jackson-yaml, which
    is not among the broker's jars.
    """
    if backend == LOG4J1:
        return _LOG4J1
    return _LOG4J2


def _escape(value: str) -> str:
    # Kafka loads .properties files as ISO-8859-1: anything beyond ASCII (a Vietnamese home directory, say)
    # goes in as UTF-16 \uXXXX escapes.
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
    if escaped.isascii():
        return escaped
    utf16 = escaped.encode("utf-16-be")
    units = (int.from_bytes(utf16[i : i + 2], "big") for i in range(0, len(utf16), 2))
    return "".join(chr(unit) if unit < 0x80 else f"\\u{unit:04x}" for unit in units)


_PATTERN = "[%d] %p %m (%c)%n"

# Same levels as the config shipped with Kafka; the request logger is kept quiet there too.
# Log4j's own shutdown hook would stop logging while Kafka's hook is still shutting the broker down, losing
# the very lines that say whether the shutdown was clean; the console appender needs no stopping.
_LOG4J2 = f"""\
status = warn
name = lienthong-kafka
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = {_PATTERN}
rootLogger.level = INFO
rootLogger.appenderRefs = stdout
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.request_channel.name = kafka.network.RequestChannel$
logger.request_channel.level = WARN
"""

_LOG4J1 = f"""\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern={_PATTERN}
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
"""
