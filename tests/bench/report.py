"""Benchmark results: a short human summary and tests/bench/results/<name>.json (DESIGN.md)."""

import datetime as dt
import json
import os
import platform
import sys
import time
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


def host_loop_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this shared host runs at the moment. It
    has moved between 0.42 and 1.29 s from one session (and one hour) to the next, and every
    benchmark's figures with it; a result means little without it."""
    started = time.process_time()
    sum(i * i for i in range(10**7))
    return round(time.process_time() - started, 3)


def record(name: str, figures: dict, targets: dict, ok: bool) -> dict:
    """Write the result file and print the summary. ``targets`` describes each target in words."""
    result = {
        "name": name,
        "figures": figures,
        "targets": targets,
        "ok": ok,
        "host_loop_s": host_loop_seconds(),
        "machine": machine(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": f"make bench NAME={name}",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = ", ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\n[bench {name}] {summary} -> {'OK' if ok else 'MISSED TARGET'} ({result['machine']}; "
          f"host loop {result['host_loop_s']} s)", file=sys.stderr)
    return result


class CpuSplit:
    """CPU seconds spent during a measured phase by the server (its process tree), by this process
    (the benchmark's clients) and by everything else (mostly PostgreSQL): where the time goes on a
    machine where all three share the cores."""

    def __init__(self, server_pid: int):
        import psutil

        self._psutil = psutil
        self.server = psutil.Process(server_pid)
        self.me = psutil.Process()

    def _server_seconds(self) -> float:
        total = 0.0
        for process in [self.server, *self.server.children(recursive=True)]:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except self._psutil.NoSuchProcess:
                pass
        return total

    def __enter__(self):
        self._start = (self._server_seconds(), sum(self.me.cpu_times()[:2]), self._busy())
        return self

    def _busy(self) -> float:
        times = self._psutil.cpu_times()
        return times.user + times.system + times.nice + getattr(times, "softirq", 0) + getattr(times, "irq", 0)

    def __exit__(self, *exc):
        server, client, busy = self._server_seconds(), sum(self.me.cpu_times()[:2]), self._busy()
        self.server_s = round(server - self._start[0], 2)
        self.client_s = round(client - self._start[1], 2)
        self.other_s = round(busy - self._start[2] - self.server_s - self.client_s, 2)
        return False

    def figures(self, per: int) -> dict:
        """CPU milliseconds per unit of work (a scan, an answer) for each party."""
        return {"cpu_ms_server": round(self.server_s * 1000 / per, 2),
                "cpu_ms_client": round(self.client_s * 1000 / per, 2),
                "cpu_ms_other": round(self.other_s * 1000 / per, 2)}
