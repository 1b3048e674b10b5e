"""Container probe: GET a URL with a Host the app accepts; exit 0 on a 2xx, 1 otherwise.

usage: python deploy/healthcheck.py URL
The Host is the first plain name in ALLOWED_HOSTS (production answers 400 to any other), and the
health path is exempt from the https redirect (hothour.settings.production).
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = entry.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def main(url: str) -> int:
    request = urllib.request.Request(url, headers={"Host": allowed_host()})  # noqa: S310 - our own URL
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if 200 <= response.status < 300 else 1
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
