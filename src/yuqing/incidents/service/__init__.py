"""The incident service, split by lifecycle stage; every function is keyword-only, takes
the session, the clock and the acting user, flushes, and leaves the commit to the caller.

Opening → levels → handling (stages, owner, tasks) → reports and clocks → statements →
closing (actions, end, review, case library).
"""

from yuqing.incidents.service.clocks import check as check_deadlines
from yuqing.incidents.service.closing import (
    add_corrective_action,
    close_incident,
    complete_corrective_action,
    end_response,
    record_action,
    write_review,
)
from yuqing.incidents.service.handling import (
    accept_handover,
    add_task,
    complete_task,
    hand_over,
    move_stage,
)
from yuqing.incidents.service.levels import (
    confirm_level,
    follow_event_level,
    propose_level,
    reopen,
)
from yuqing.incidents.service.opening import (
    OpenRows,
    add_events,
    get_all,
    open_choices,
    open_incident,
    open_rows,
    split_incident,
)
from yuqing.incidents.service.reports import (
    create_report,
    revise_report,
    submit_report,
    update_report,
)
from yuqing.incidents.service.statements import (
    draft_statement,
    publish_statement,
    review_statement,
    update_fact_sheet,
)

__all__ = [
    "OpenRows",
    "accept_handover",
    "add_corrective_action",
    "add_events",
    "add_task",
    "check_deadlines",
    "close_incident",
    "complete_corrective_action",
    "complete_task",
    "confirm_level",
    "create_report",
    "draft_statement",
    "end_response",
    "follow_event_level",
    "get_all",
    "hand_over",
    "move_stage",
    "open_choices",
    "open_incident",
    "open_rows",
    "propose_level",
    "publish_statement",
    "record_action",
    "reopen",
    "review_statement",
    "revise_report",
    "split_incident",
    "submit_report",
    "update_fact_sheet",
    "update_report",
    "write_review",
]
