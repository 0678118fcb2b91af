"""One table for every bench: each script reports rows; ``run_all.py`` prints them together.

``BENCH_RESULTS`` names the file rows are appended to as JSON lines.
"""

import json
import os
from dataclasses import asdict, dataclass


@dataclass
class Row:
    bench: str
    what: str
    value: float
    unit: str
    ratio: float | None = None
    reference: str = ""
    target: str = ""
    note: str = ""


def format_value(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if float(value).is_integer() and abs(value) < 100:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def print_table(rows: list[Row]) -> None:
    header = ("bench", "measurement", "value", "ratio", "target", "note")
    lines = [
        (
            row.bench,
            row.what,
            f"{format_value(row.value)} {row.unit}",
            "-" if row.ratio is None else f"{row.ratio:.2f}x {row.reference}".rstrip(),
            row.target or "-",
            row.note,
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


def report(rows: list[Row]) -> None:
    """Print ``rows`` as this script's table and record them for ``run_all.py``."""
    print_table(rows)
    record(rows)


def record(rows: list[Row]) -> None:
    """Only record (for a script that prints its own table)."""
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as output:
            for row in rows:
                output.write(json.dumps(asdict(row)) + "\n")


def load_rows(path: str) -> list[Row]:
    try:
        with open(path, encoding="utf-8") as source:
            return [Row(**json.loads(line)) for line in source if line.strip()]
    except FileNotFoundError:
        return []
