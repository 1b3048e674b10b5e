"""Audit every locked runtime package for known vulnerabilities (pip-audit, PyPI's advisories).

Fails on any known vulnerability. When the advisory service cannot be reached (a machine that
only sees a package mirror), says loudly that nothing was audited instead of reporting a pass.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        run = subprocess.run(  # noqa: S603 - our own pinned tool
            [
                # The lock: every runtime package, indirect ones included, at the hashed versions.
                sys.executable, "-m", "pip_audit", "-r", str(ROOT / "requirements.lock"),
                "--require-hashes", "--disable-pip",
                "--progress-spinner", "off", "--format", "json", "--output", report.name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        try:
            dependencies = json.loads(Path(report.name).read_text() or "{}").get("dependencies", [])
        except ValueError:
            dependencies = []
    if not dependencies:
        sys.stderr.write(run.stderr)
        print("pip-audit: could not run", file=sys.stderr)
        return 1
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']} {dependency.get('version')}: {ids}")
    if vulnerable:
        return 1
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if not audited:
        print(
            "WARNING: pip-audit could not reach PyPI's advisory data from this machine: "
            f"NONE of the {len(dependencies)} pinned packages was audited."
        )
        return 0
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
