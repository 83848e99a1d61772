"""AMQP topic matching (`*` one word, `#` zero or more words), as the broker binds."""

from __future__ import annotations

import functools
import re


@functools.cache
def _pattern(binding: str) -> re.Pattern[str]:
    parts: list[str] = []
    for word in binding.split("."):
        if word == "#":
            parts.append(r"(?:[^.]+(?:\.[^.]+)*)?")
        elif word == "*":
            parts.append(r"[^.]+")
        else:
            parts.append(re.escape(word))
    regex = r"\.".join(parts)
    # `a.#` also matches `a` itself: the dot before a `#` is optional
    regex = regex.replace(r"\.(?:[^.]+(?:\.[^.]+)*)?", r"(?:\.[^.]+)*")
    regex = regex.replace(r"(?:[^.]+(?:\.[^.]+)*)?\.", r"(?:[^.]+\.)*")
    return re.compile(f"^{regex}$")


def topic_matches(binding: str, routing_key: str) -> bool:
    """Whether `routing_key` is delivered to a queue bound with `binding`."""
    return _pattern(binding).match(routing_key) is not None


def bound(bindings: list[str], routing_key: str) -> bool:
    return any(topic_matches(b, routing_key) for b in bindings)
