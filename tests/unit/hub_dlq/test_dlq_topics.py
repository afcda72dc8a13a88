"""Topic names: which topics are dead-letter topics under a prefix, and where a group's replays go."""

from __future__ import annotations

import pytest

from hub.dlq import SelectionError, replay_topic
from hub.dlq.topics import is_dead_letter_topic


def test_dead_letter_topics_are_recognised_under_their_prefix_only() -> None:
    assert is_dead_letter_topic("lienthong.dossier.events.v1.dlq", "")
    assert is_dead_letter_topic("p.lienthong.dossier.events.v1.dlq", "p.")
    assert not is_dead_letter_topic("p.lienthong.dossier.events.v1.dlq", "")  # another deployment's
    assert not is_dead_letter_topic("lienthong.dossier.events.v1", "")
    assert not is_dead_letter_topic("lienthong.dlq.audit.v1", "")


def test_a_groups_replay_topic() -> None:
    assert replay_topic("p.lienthong.dossier.events.v1", "lienthong-hub") == (
        "p.lienthong.dossier.events.v1.replay.lienthong-hub"
    )


@pytest.mark.parametrize("group", ["", "a b", "a/b", "x" * 201])
def test_a_group_that_cannot_name_a_topic_is_refused(group: str) -> None:
    with pytest.raises(SelectionError):
        replay_topic("t", group)
