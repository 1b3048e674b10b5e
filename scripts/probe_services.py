"""Exit 0 when every service answers: `probe_services.py postgres=URL redis=URL [--only NAME]`."""

import sys

import environ
import psycopg
import redis


def postgres(url: str) -> None:
    config = environ.Env.db_url_config(url)
    psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()


def redis_ping(url: str) -> None:
    redis.Redis.from_url(url, socket_timeout=3).ping()


CHECKS = {"postgres": postgres, "redis": redis_ping}

args = sys.argv[1:]
only = args[args.index("--only") + 1 :] if "--only" in args else None
urls = dict(arg.split("=", 1) for arg in args if "=" in arg)
failed = []
for name, url in urls.items():
    if only is not None and name not in only:
        continue
    try:
        CHECKS[name](url)
    except Exception as exc:
        failed.append(f"{name} at {url}: {exc}")
if failed:
    sys.stderr.write("\n".join(failed) + "\n")
sys.exit(1 if failed else 0)
