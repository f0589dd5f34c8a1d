"""What this process remembers: answers by key, each with its tags."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask
from flask import current_app

if TYPE_CHECKING:
    from idp.changes.writing import Tag


class Memory:
    """Answers by key, each with its tags; this process's and bounded."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._entries: dict[Hashable, tuple[Any, tuple[Tag, ...]]] = {}
        self._keys_by_tag: dict[Tag, set[Hashable]] = {}
        #: Number of the last change row read; None before the first read.
        self.seen: int | None = None
        self.doubt = True  # read the table before trusting anything
        self.unpublished = 0  # a change this process could not publish
        self.read_at = 0.0
        self.lock = threading.RLock()

    def get(self, key: Hashable) -> Any:
        entry = self._entries.get(key)
        return entry and entry[0]

    def put(
        self, key: Hashable, value: Any, tags: tuple[Tag, ...], seen: int | None
    ) -> None:
        """Keep ``value`` unless a change was read since it was looked up."""
        with self.lock:
            if seen is None or seen != self.seen:
                return
            if len(self._entries) >= self.size:
                self._drop(next(iter(self._entries)))
            self._entries[key] = (value, tags)
            for one in tags:
                self._keys_by_tag.setdefault(one, set()).add(key)

    def forget(self, one: Tag) -> None:
        for key in self._keys_by_tag.pop(one, ()):
            self._drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._keys_by_tag.clear()

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        for one in entry[1] if entry else ():
            keys = self._keys_by_tag.get(one)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_tag[one]


def init_app(app: Flask) -> None:
    app.extensions["idp.memory"] = Memory()


def memory() -> Memory:
    return current_app.extensions["idp.memory"]
