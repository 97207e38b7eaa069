"""The navigation bar: one entry per page, shown to the roles that may open it.

A new page adds one ``NavItem`` here (its label is a catalogue key) next to its router in
``routes/``; the roles must match the page's own ``page_user(...)`` check, which is what enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..deps import READERS

INGESTERS = ("ingest", "admin")


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str  # catalogue key of the label
    href: str
    roles: tuple[str, ...]
    shortcut: str | None = None


NAV: tuple[NavItem, ...] = (
    NavItem("nav.queue", "/ui/queue", READERS, "q"),
    NavItem("nav.sheets", "/ui/task-sheets", READERS),
    NavItem("nav.weekly", "/ui/reports/weekly", READERS),
    NavItem("nav.metrics", "/ui/metrics", READERS),
    NavItem("nav.uploads", "/ui/uploads", INGESTERS),
    NavItem("nav.docs", "/docs", ("reviewer", "chief", "admin", "ingest")),
)


def nav_items(role: str) -> list[NavItem]:
    return [item for item in NAV if role in item.roles]
