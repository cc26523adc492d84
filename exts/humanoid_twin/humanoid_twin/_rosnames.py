"""ROS 2 name rules (rcl's topic, node and namespace validation), checked before a node is made: a bad
name in a config file is one line naming its key, not an rclpy exception at start-up."""

from __future__ import annotations

import re

__all__ = ["name_problem"]

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def name_problem(name: object, kind: str = "topic") -> str | None:
    """Why ``name`` is not a valid ROS 2 ``kind`` name ('topic', 'node' or 'namespace'), or None.

    Topics: tokens of letters, digits and ``_`` (not starting with a digit) separated by ``/``,
    optionally absolute (``/``) or private (``~/``); no empty token (``//`` or a trailing ``/``).
    Nodes: one such token. Namespaces: empty, or tokens with an optional leading ``/``.
    """
    if not isinstance(name, str):
        return f"must be a string, got {name!r}"
    rule = "letters, digits and _ (not starting with a digit)"
    if kind == "node":
        return None if _TOKEN.fullmatch(name) else f"{name!r} is not a ROS node name: {rule}"
    if kind == "namespace" and name == "":
        return None
    body = name
    if kind == "topic" and (body == "~" or body.startswith("~/")):
        body = body[2:]
        if not body:
            return None
    elif body.startswith("/"):
        body = body[1:]
    tokens = body.split("/")
    if not body or not all(_TOKEN.fullmatch(t) for t in tokens):
        return f"{name!r} is not a ROS {kind} name: {rule}, separated by /"
    return None
