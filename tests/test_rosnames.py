"""ROS 2 name rules, checked before a node is made."""

from __future__ import annotations

import pytest

from humanoid_twin._rosnames import name_problem


@pytest.mark.parametrize(
    "name", ["joint_states", "/joint_states", "~/x", "~", "twin/predicted_joint_states", "/a_1/b_2"]
)
def test_valid_topics(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["", "/", "joint states", "1js", "twin/1pred", "a//b", "a/", "ä", 3])
def test_invalid_topics(name: object) -> None:
    why = name_problem(name)
    assert why is not None and "\n" not in why


def test_nodes_and_namespaces() -> None:
    assert name_problem("humanoid_twin", "node") is None
    assert name_problem("a/b", "node") is not None and name_problem("humanoid twin!", "node") is not None
    assert name_problem("", "namespace") is None and name_problem("/robot1", "namespace") is None
    assert name_problem("robot 1", "namespace") is not None
