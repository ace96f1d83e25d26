"""Search statements run as server-side prepared statements.

Django binds parameters on the client and never prepares (its psycopg 3 default, so that
connection poolers in transaction mode keep working). A search statement is a few kB of SQL
whose text depends only on the query's shape (which filters, typo pass or not): user input is
always a parameter. Planning it cost 0.5-0.7 ms of every ranking and ~0.3 ms of every moments
query (EXPLAIN ANALYZE, docs/BENCHMARKS.md "Third pass"), i.e. a third of a rare word's whole
search. Prepared once per connection, later executions skip parsing and, once PostgreSQL
settles on a generic plan, planning too. The planner cannot estimate a tsquery built in a CTE
anyway, so the generic plan is the plan it would have chosen.

psycopg keeps the prepared statements of each connection (at most `prepared_max`, least
recently used first out); pooled connections keep them between requests.

The `%s` placeholders are numbered here (`$1`, `$2`, ...) once per statement text and the
statement run by a RawCursor: psycopg converts every statement, but caches the conversion only
up to 4,096 bytes, and a ranking statement is ~5 kB, so it was redone with a regular
expression on every search (~0.3 ms).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from django.db import connection

# psycopg prepares nothing while the connection's prepare_threshold is None (Django's setting);
# with a number it prepares a statement run that many times, or at once when asked with
# prepare=True. Django's own cursors bind on the client and never prepare, whatever the number.
_THRESHOLD = 1_000_000


_PLACEHOLDER = re.compile(r"%[s%]|%")


@lru_cache(maxsize=512)
def numbered(query: str) -> str:
    """`query` with psycopg's `%s` as PostgreSQL's `$1`, `$2`, ... and `%%` as `%`."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match[0] == "%%":
            return "%"
        if match[0] == "%":
            raise ValueError(f"a lone % at {match.start()} of a search statement: write %%")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, query)


class _PreparingCursor(psycopg.RawCursor):
    """Binds parameters on the server and prepares every statement it runs; takes `%s`
    placeholders like any other cursor of ours."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if params is not None:
            query = numbered(query)
        return super().execute(query, params, prepare=prepare is not False, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator:
    """A Django cursor (database errors translated, execute wrappers and query logging as for
    any other) whose statements are prepared on the server."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _THRESHOLD
    connection.validate_thread_sharing()
    cursor = _PreparingCursor(raw)
    wrapped = (
        connection.make_debug_cursor(cursor)
        if connection.queries_logged
        else connection.make_cursor(cursor)
    )
    with wrapped:
        yield wrapped
