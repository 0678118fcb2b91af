"""Run every benchmark in ``bench/`` and print one table with all their figures and ratios.

Run: .venv/bin/python bench/run_all.py [NAME …]   (no arguments: every script; about 7 minutes)

Every ``bench/*.py`` script (this one, ``__init__.py`` and ``_*.py`` aside) runs in its own
process with no arguments, one after another so they do not compete for the two cores, and its
own output is shown as it runs. Scripts report their rows through ``bench.harness.report``
(``BENCH_RESULTS`` names the file they append to); the combined table at the end has them all.
A script that prints only its own table (no rows) is listed as such, its table is above. The
exit code is 1 when a script failed or timed out; the others still run.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.report import load_rows, print_table  # noqa: E402

TIMEOUT_S = 1200  # per script; the slowest (list_throughput.py) takes about four minutes


def scripts(selected: list[str]) -> list[Path]:
    found = [
        path
        for path in sorted(Path(__file__).parent.glob("*.py"))
        if path.name not in {"run_all.py", "__init__.py"} and not path.name.startswith("_")
    ]
    if selected:
        found = [path for path in found if path.stem in selected or path.name in selected]
    return found


def main() -> int:
    selected = sys.argv[1:]
    rows, without_rows, failed = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for script in scripts(selected):
            results = Path(tmp) / f"{script.stem}.jsonl"
            print(f"\n=== {script.name} ===", flush=True)
            started = time.monotonic()
            try:
                code = subprocess.run(
                    [sys.executable, str(script)],
                    cwd=ROOT,
                    env={**os.environ, "BENCH_RESULTS": str(results)},
                    timeout=TIMEOUT_S,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                code = "timeout"
            took = time.monotonic() - started
            print(f"--- {script.name}: exit {code} in {took:.0f} s", flush=True)
            if code != 0:
                failed.append(f"{script.name} ({code})")
            script_rows = load_rows(str(results))
            rows += script_rows
            if not script_rows and code == 0:
                without_rows.append(script.name)
    print("\n=== all benchmarks (medians; ratios within one run) ===")
    print_table(rows)
    if without_rows:
        print(f"\nprinted their own tables only (above): {', '.join(without_rows)}")
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
