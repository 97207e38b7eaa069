"""The task sheet's lifecycle as an explicit state machine: which action moves which state where, and
who may take it.

draft -> reviewed (command room) -> issued (chief, editing the measures) -> acknowledged -> completed
(result entered) -> verified -> closed; a finished sheet is reopened when a new recording of the same
incident arrives (or by hand), and a reopened sheet is reviewed again. Anything else is refused: the
table below is the whole truth, so the API, the tests and the docs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES: tuple[str, ...] = (
    "draft",
    "reviewed",
    "issued",
    "acknowledged",
    "completed",
    "verified",
    "closed",
    "reopened",
)
#: states in which the responsible team still owes work: only these can become overdue
OPEN_STATES = frozenset({"draft", "reviewed", "issued", "acknowledged", "reopened"})
#: states that count as closed in the weekly report's closure rate
CLOSED_STATES = frozenset({"verified", "closed"})

STATE_ZH = {
    "draft": "草稿",
    "reviewed": "指挥室已审核",
    "issued": "已下发",
    "acknowledged": "已签收",
    "completed": "已办结",
    "verified": "已核验",
    "closed": "已关闭",
    "reopened": "已重新打开",
}


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    #: timestamp column set when the transition happens
    stamp: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "review",
            frozenset({"draft", "reopened"}),
            "reviewed",
            frozenset({"reviewer", "admin"}),
            "reviewed_at",
        ),
        Transition(
            "issue", frozenset({"reviewed"}), "issued", frozenset({"chief", "admin"}), "issued_at"
        ),
        Transition(
            "acknowledge",
            frozenset({"issued"}),
            "acknowledged",
            frozenset({"chief", "admin"}),
            "acknowledged_at",
        ),
        Transition(
            "complete",
            frozenset({"acknowledged"}),
            "completed",
            frozenset({"chief", "admin"}),
            "completed_at",
        ),
        Transition(
            "verify",
            frozenset({"completed"}),
            "verified",
            frozenset({"reviewer", "admin"}),
            "verified_at",
        ),
        Transition(
            "close",
            frozenset({"verified"}),
            "closed",
            frozenset({"reviewer", "admin"}),
            "closed_at",
        ),
        Transition(
            "reopen",
            frozenset({"completed", "verified", "closed"}),
            "reopened",
            frozenset({"reviewer", "admin"}),
            "reopened_at",
        ),
    )
}
ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)


class IllegalTransition(Exception):
    """The action is not allowed from the sheet's current state (HTTP 409)."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a sheet in state {state}")
        self.action, self.state = action, state


def transition(action: str, state: str) -> Transition:
    """The transition ``action`` takes from ``state``; raises for an unknown action or state
    (ValueError) and for an action the state does not allow (:class:`IllegalTransition`)."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise ValueError(f"unknown action {action!r}; choose one of {', '.join(ACTIONS)}")
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    if state not in t.sources:
        raise IllegalTransition(action, state)
    return t


def legal_pairs() -> set[tuple[str, str]]:
    """Every (state, action) the machine accepts."""
    return {(s, a) for a, t in TRANSITIONS.items() for s in t.sources}
