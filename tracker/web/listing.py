"""Lists of actions (a plan page, the all-actions list): filters, the current cycle, pages and
links that keep every filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from math import ceil

from flask import request

from tracker.http.requests import PER_PAGE, current_cycle, plan_codes
from tracker.services.errors import BadFilter
from tracker.services.plan import queries

# Query values that are not filters: the date, the page, the print view (`print=all`), and a
# plan page's own plan.
NOT_FILTERS = ("as_at", "page", "print")


def read_print_all() -> bool:
    """Whether the list is asked for whole, to print (`print=all`): every row, no pages."""
    value = request.args.get("print") or ""
    if value not in ("", "all"):
        raise BadFilter("print", "print must be all")
    return value == "all"


def read_filters(
    day: date, *, drop: tuple[str, ...] = ()
) -> tuple[dict[str, str], queries.PlanFilters]:
    """The filter values from the query string and the filters they mean. Raises BadFilter."""
    args = {
        k: v for k, v in request.args.items() if k not in NOT_FILTERS + drop and v not in ("", None)
    }
    return args, queries.parse_filters(args, cycle=current_cycle(day), plans=plan_codes())


def read_page() -> int:
    value = request.args.get("page") or "1"
    if not value.isdecimal() or len(value) > 6 or int(value) < 1:
        raise BadFilter("page", "page must be a whole number from 1")
    return int(value)


@dataclass
class Pages:
    """Where this page sits in the whole list, and the GOV.UK pagination component's values."""

    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def count(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first_shown(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_shown(self) -> int:
        return min(self.total, self.page * self.per_page)

    def component(self, link: Callable[[int], str]) -> dict | None:
        if self.count < 2:
            return None
        params: dict = {
            "items": [
                {"number": n, "href": link(n), "current": n == self.page}
                for n in range(1, self.count + 1)
            ],
            "landmarkLabel": "Pages of actions",
        }
        if self.page > 1:
            params["previous"] = {"href": link(self.page - 1)}
        if self.page < self.count:
            params["next"] = {"href": link(self.page + 1)}
        return params
