"""core.db.backends.postgresql: a pooled connection is checked by polling its socket; only one
with something to read (a server that closed it) costs a round trip, and a dead one is refused."""

import time

import psycopg
import pytest
from django.db import connections
from psycopg_pool import ConnectionPool

from core.db.backends.postgresql.base import DatabaseWrapper, check_idle_connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server_checks(monkeypatch) -> list[psycopg.Connection]:
    """Each time the server is asked whether a connection lives (psycopg_pool's empty query)."""
    asked: list[psycopg.Connection] = []
    real = ConnectionPool.check_connection

    def recording(conn: psycopg.Connection) -> None:
        asked.append(conn)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(recording))
    return asked


@pytest.fixture
def fresh():
    """A connection of its own, with the project's connection parameters."""
    with psycopg.connect(**connections["default"].get_connection_params(), autocommit=True) as conn:
        yield conn


def test_the_project_pool_checks_its_connections_with_the_socket_poll():
    database = connections["default"]
    assert isinstance(database, DatabaseWrapper)
    assert database.pool is not None
    assert database.pool._check is check_idle_connection


def test_a_healthy_idle_connection_passes_without_asking_the_server(fresh, server_checks):
    fresh.execute("SELECT 1")

    check_idle_connection(fresh)

    assert server_checks == []


def test_a_connection_the_server_killed_is_asked_and_refused(fresh, server_checks):
    # given: the server terminates the session, and its goodbye reaches the socket
    victim = fresh.info.backend_pid
    with psycopg.connect(**connections["default"].get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [victim])
    time.sleep(0.2)

    # when / then: the check asks the server, which fails, so the pool discards it
    with pytest.raises(psycopg.OperationalError):
        check_idle_connection(fresh)
    assert server_checks == [fresh]


def test_a_closed_connection_is_refused_without_a_poll(fresh, server_checks):
    fresh.close()

    with pytest.raises(psycopg.OperationalError):
        check_idle_connection(fresh)
    assert server_checks == []
