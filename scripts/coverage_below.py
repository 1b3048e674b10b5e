"""Print the test run's total coverage and name every module below a threshold (default 80 %).

Reads the `.coverage` data `pytest --cov` left; prints, never fails: coverage is a guide here.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main(threshold: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        subprocess.run(  # noqa: S603 - coverage from this virtualenv
            [sys.executable, "-m", "coverage", "json", "-q", "-o", str(report)], check=True
        )
        data = json.loads(report.read_text())
    total = data["totals"]["percent_covered"]
    below = sorted(
        (summary["summary"]["percent_covered"], name)
        for name, summary in data["files"].items()
        if summary["summary"]["percent_covered"] < threshold
    )
    sys.stdout.write(f"coverage: {total:.1f} % of {data['totals']['num_statements']} statements\n")
    sys.stdout.write(f"modules below {threshold:g} %: {len(below) or 'none'}\n")
    for percent, name in below:
        sys.stdout.write(f"  {percent:5.1f} %  {name}\n")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 80.0)
