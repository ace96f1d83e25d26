from __future__ import annotations

from config.api import ApplicationError


class SearchInputError(ApplicationError):
    """A search request we cannot run as asked: empty, too long, or an impossible filter."""
