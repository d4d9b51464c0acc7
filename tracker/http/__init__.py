"""What the web pages (tracker/web) and the API (tracker/api) both need, so neither borrows
from the other: route guards (`access`), problem+json bodies (`problems`) and reading dates and
cycles from a request (`requests`). The longest text a person may write is a domain rule
(tracker.domain.updates.TEXT_LIMIT)."""
