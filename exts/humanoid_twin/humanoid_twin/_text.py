"""Small text helpers shared by messages (no dependencies)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["first_few"]


def first_few(items: Sequence[str], shown: int = 3) -> str:
    """``'a, b, c and 4 more'``: the first ``shown`` items, and how many a message leaves out."""
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")
