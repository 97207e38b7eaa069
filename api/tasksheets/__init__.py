"""Station chiefs' task sheets (处置意见任务单): configuration, the lifecycle state machine, and the
database operations that create, move, reopen and flag them."""

from __future__ import annotations

from .config import TaskSheetConfig, load_tasksheet_config
from .lifecycle import ACTIONS, OPEN_STATES, STATES, TRANSITIONS, IllegalTransition, transition
from .service import (
    SYSTEM_ACTOR,
    Actor,
    SheetInputError,
    TransitionInput,
    apply,
    create_sheet,
    decision_trigger,
    events_of,
    list_sheets,
    mark_overdue,
    on_indexed,
    overdue_counts,
    sheet_for_incident,
    sheets_by_id,
    state_counts,
)

__all__ = [
    "ACTIONS",
    "OPEN_STATES",
    "STATES",
    "SYSTEM_ACTOR",
    "TRANSITIONS",
    "Actor",
    "IllegalTransition",
    "SheetInputError",
    "TaskSheetConfig",
    "TransitionInput",
    "apply",
    "create_sheet",
    "decision_trigger",
    "events_of",
    "list_sheets",
    "load_tasksheet_config",
    "mark_overdue",
    "on_indexed",
    "overdue_counts",
    "sheet_for_incident",
    "sheets_by_id",
    "state_counts",
    "transition",
]
