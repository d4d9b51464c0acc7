"""The statutory deadline: the action plan goes to Ofsted within 70 working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.calendar import add_working_days, working_days_between

RESPONSE_WORKING_DAYS = 70


class DeadlineAnchor(StrEnum):
    PUBLICATION = "publication"
    RECEIPT = "receipt"


@dataclass(frozen=True)
class ResponseDeadline:
    anchor: DeadlineAnchor
    anchor_date: date
    working_days: int
    due: date

    def working_days_left(self, today: date) -> int:
        return working_days_between(today, self.due)


def response_deadline(
    *,
    published: date,
    received: date | None,
    anchor: DeadlineAnchor | str,
    working_days: int = RESPONSE_WORKING_DAYS,
) -> ResponseDeadline:
    """70 working days from the report's publication or receipt, whichever the setting names."""
    anchor = DeadlineAnchor(anchor)
    if anchor is DeadlineAnchor.RECEIPT:
        if received is None:
            raise ValueError("the deadline is anchored on receipt but no receipt date is recorded")
        start = received
    else:
        start = published
    return ResponseDeadline(anchor, start, working_days, add_working_days(start, working_days))
