"""Back links that return people to the list they came from, its filters kept: the chair who
opens an action from the overdue actions filtered to North goes back to exactly that list, not
to the action's plan unfiltered."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

# The pages an action is opened from, and what their back link says.
LIST_PAGES = {
    "plans.overdue": "Back to the overdue actions",
    "plans.all_actions": "Back to all actions",
    "plan_changes.rebaselined": "Back to the re-baselined actions",
    "dashboard.show": "Back to the dashboard",
    "changes.index": "Back to what changed",
    "changes.agenda": "Back to the agenda",
    "meetings.show": "Back to the meeting",
    "pages.recommendation": "Back to the recommendation",
    "updates.sign_off_list": "Back to sign-off",
}


def came_from(pages: dict[str, str]) -> tuple[str, str, str, dict] | None:
    """(href, text, endpoint, view args) of the page this request came from when it is one of
    `pages` on this site (the Referer, sent same-origin only: Referrer-Policy same-origin), else
    None. The link is rebuilt with url_for from the matched route, so it can only lead here."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        endpoint, view_args = adapter.match(referrer.path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    if endpoint not in pages:
        return None
    query = [(k, v) for k, v in parse_qsl(referrer.query) if v]
    href = url_for(endpoint, **view_args)
    if query:
        href += "?" + urlencode(query)
    return href, pages[endpoint], endpoint, view_args
