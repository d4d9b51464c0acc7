"""Reading which month or quarter of the measures a request asks for, the same for the
scorecard page and the API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tracker.domain import measures as rules
from tracker.domain.measures import MeasureError, Quarter
from tracker.services.errors import BadFilter


def read_when(args: Mapping[str, str], today: date) -> Quarter | date:
    """`period=YYYY-MM` or `quarter=YYYY-Qn` (not both); neither means the last full quarter.
    A month or quarter that has not begun is refused. Raises BadFilter."""
    if args.get("period") and args.get("quarter"):
        raise BadFilter("period", "Give a month or a quarter, not both")
    try:
        if args.get("period"):
            month = rules.parse_period(args["period"])
            rules.check_not_future(month, today)
            return month
        if args.get("quarter"):
            quarter = rules.parse_quarter(args["quarter"])
            rules.check_not_future(quarter.first, today)
            return quarter
    except MeasureError as exc:
        raise BadFilter("period" if args.get("period") else "quarter", str(exc)) from None
    return rules.last_complete_quarter(today)


def read_kind(args: Mapping[str, str]) -> str | None:
    kind = args.get("kind") or None
    if kind not in (None, "key", "operational"):
        raise BadFilter("kind", "kind must be key or operational")
    return kind
