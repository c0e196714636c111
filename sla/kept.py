"""Renderings of the SLA page kept per process, each under a key that names everything it
was rendered from (the `{% kept %}` blocks, `sla/templatetags/sla_kept.py`; the calculator's
selects, `sla.forms.KeptSelect`). A key that moves makes a new entry; nothing is updated in
place, so nothing can go stale. The store is dropped whole when full."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString


class KeptRenderings:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[Hashable, SafeString] = {}
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], SafeString]) -> SafeString:
        html = self._items.get(key)
        if html is None:
            html = render()
            with self._lock:
                if len(self._items) >= self._size:
                    self._items.clear()
                self._items[key] = html
        return html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Blocks × keys × languages × zones, and selects × inputs (a few KB each); one policy
# version's day takes many zones of signed-in readers to fill it.
renderings = KeptRenderings(size=1024)
