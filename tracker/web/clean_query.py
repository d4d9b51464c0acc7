"""Filter pages' addresses say only what was chosen. A GET filter form submits every field, so
choosing one filter would give `?plan=north&rag=&lifecycle=&lead=...`. A filter page answers a
request holding an empty value with a redirect, once, to the same page without the empty values
(every other value kept, repeated ones too, in their order); the clean address has none, so it
cannot redirect again. It works without JavaScript, as a GOV.UK service must."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import redirect, request

F = TypeVar("F", bound=Callable[..., Any])


def without_empty_values(
    pairs: Iterable[tuple[str, str]], keep: Collection[str] = ()
) -> list[tuple[str, str]] | None:
    """The query's (name, value) pairs less the empty values (except those named in `keep`), in
    order; None when there is nothing to drop."""
    pairs = list(pairs)
    kept = [(name, value) for name, value in pairs if value != "" or name in keep]
    return None if len(kept) == len(pairs) else kept


def drops_empty_values(view: F | None = None, *, keep: Collection[str] = ()) -> Any:
    """Decorator for a filter page: a GET with an empty query value is redirected to the same
    page without it (302), before the page is drawn. `keep` names values that stay even when
    empty (the search box's words: an empty search is still a search, answered on the page)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def clean(*args: Any, **kwargs: Any) -> Any:
            if request.method in ("GET", "HEAD"):
                kept = without_empty_values(request.args.items(multi=True), keep)
                if kept is not None:
                    query = urlencode(kept)
                    return redirect(
                        request.script_root + request.path + (f"?{query}" if query else "")
                    )
            return view(*args, **kwargs)

        return clean  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate
