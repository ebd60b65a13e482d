"""The suite on PostgreSQL: with CHIBO_TEST_POSTGRESQL=<server url> every test gets a database
of its own, copied from a migrated template, named to it through CHIBO_DATABASE_URL."""

from __future__ import annotations

import asyncio
import itertools
import os
from urllib.parse import urlsplit, urlunsplit

from bot.config import DATABASE_URL_VARIABLE
from bot.storage.db import Database

SERVER_VARIABLE = "CHIBO_TEST_POSTGRESQL"

_numbers = itertools.count(1)


def server_url() -> str:
    """The server the tests run on, or "" for SQLite."""
    return os.environ.get(SERVER_VARIABLE, "").strip()


def database_url() -> str:
    """The database of the running test on PostgreSQL, or "" on SQLite."""
    return os.environ.get(DATABASE_URL_VARIABLE, "") if server_url() else ""


def _url(name: str) -> str:
    return urlunsplit(urlsplit(server_url())._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(sql)


def _prefix() -> str:
    return f"chibo_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def make_template() -> str:
    """A database with every migration applied, for this test process to copy; its name."""
    name = f"{_prefix()}_template"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")

    async def migrate() -> None:
        db = await Database.open(_url(name))
        await db.close()

    asyncio.run(migrate())
    return name


def fresh_database(template: str) -> tuple[str, str]:
    """A new database copied from the template: its name and url."""
    name = f"{_prefix()}_{next(_numbers)}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name, _url(name)


def drop_database(name: str) -> None:
    """Remove a test's database, closing whatever connections it left."""
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
