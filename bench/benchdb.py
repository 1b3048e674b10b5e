"""What the benchmarks share: a throwaway PostgreSQL database of their own, migrated afresh, and
Django set up in the benchmark's own process."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = "postgresql://postgres@127.0.0.1:5432"


def recreate_database(name: str) -> str:
    """Drop `name` (closing its connections), create it, migrate it; returns its DATABASE_URL."""
    print(f"-- recreating database {name} and migrating it", flush=True)
    with psycopg.connect(f"{PG_DSN}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hothour.settings.base", "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return url


def setup_django(*, database_url: str, redis_url: str, **env: str) -> None:
    """Django in this process with the development settings, on this database and Redis (and any
    other settings given as environment variables): what the bench creates or sends goes from here."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hothour.settings.base", DATABASE_URL=database_url, REDIS_URL=redis_url, **env
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
