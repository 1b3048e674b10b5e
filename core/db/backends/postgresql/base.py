"""Django's PostgreSQL backend with a pool check that needs no round trip.

With CONN_HEALTH_CHECKS, Django has psycopg's pool check each connection it hands out with an
empty query: a round trip on every request, about a tenth of the cheapest endpoint's time. A
connection the server has closed (a restart, a killed session) has something on its socket to
read, its goodbye or the end of the stream, while a healthy idle one has nothing. So the socket
is polled, and only a connection with something to read is asked the server; a broken one is
then discarded by the pool and replaced, as before (hothour/tests/test_faults.py restarts
PostgreSQL under load).
"""

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_idle_connection(conn: psycopg.Connection[Any]) -> None:
    """Return quietly if the pooled connection looks alive; raise if it is not."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)  # the server said something while idle: ask it


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool[Any] | None:
        pool = super().pool
        if pool is not None and self.settings_dict["CONN_HEALTH_CHECKS"]:
            # psycopg_pool keeps the check it was built with here (the version is pinned).
            pool._check = check_idle_connection
        return pool
