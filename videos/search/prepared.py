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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection

# psycopg prepares nothing while the connection's prepare_threshold is None (Django's setting);
# with a number it prepares a statement run that many times, or at once when asked with
# prepare=True. Django's own cursors bind on the client and never prepare, whatever the number.
_THRESHOLD = 1_000_000


class _PreparingCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares every statement it runs."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
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
