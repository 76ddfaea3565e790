"""Benchmark results: a short human summary and tests/bench/results/<name>.json (DESIGN.md)."""

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f"{memory_kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def record(name: str, figures: dict, targets: dict, ok: bool) -> dict:
    """Write the result file and print the summary. ``targets`` describes each target in words."""
    result = {
        "name": name,
        "figures": figures,
        "targets": targets,
        "ok": ok,
        "machine": machine(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": f"make bench NAME={name}",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = ", ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\n[bench {name}] {summary} -> {'OK' if ok else 'MISSED TARGET'} ({result['machine']})", file=sys.stderr)
    return result
