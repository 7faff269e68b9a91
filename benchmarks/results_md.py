"""Shared by the benchmark scripts: describe the machine and append a dated section to RESULTS.md.

Benchmarks measure; they never fail on a threshold. Each run appends one section with its date and machine.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def _commit() -> str:
    # rev-parse only reads; (git status/describe --dirty may rewrite the index, which others are using).
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine() -> str:
    """One line: CPU model, cores, RAM, Python, dirfa version and commit."""
    import dirfa

    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_ram_gib():.1f} GiB RAM; Python {platform.python_version()}, "
        f"dirfa {dirfa.__version__} at {_commit()} (working tree may hold uncommitted edits); "
        f"1-min load average at start {START_LOAD}"
    )


def load() -> str:
    """1-minute load average: above ~0.2 another job shared the CPUs and timings are pessimistic."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


START_LOAD = load()  # read when the benchmark starts, before its own work raises it


def now() -> str:
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable as plain text)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def append(title: str, body: str, *, command: str) -> None:
    """Append `## title — date` with the machine line, the command and `body` to RESULTS.md."""
    header = (
        "" if RESULTS.exists() else "# dirfa benchmark results\n\nAppended by benchmarks/*.py, newest last.\n"
    )
    section = f"\n## {title} — {now()}\n\nMachine: {machine()}\n\nCommand: `{command}`\n\n{body.rstrip()}\n"
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(header + section)
    print(f"\nappended to {RESULTS}")


def module_at(rev: str, path: str, name: str, folder: Path | None = None) -> ModuleType:
    """The repository file `path` as of git revision `rev` (git show: read-only), written into `folder` (default:
    a temporary folder, removed once the module is imported) and imported as module `name`, beside the working
    tree's (old code against new in one process)."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="dirfa-baseline-") as temporary:
            return module_at(rev, path, name, Path(temporary))
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=REPO, check=True, capture_output=True
    ).stdout
    file = Path(folder) / f"{name}.py"
    file.write_bytes(source)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # (dataclasses look their module up while the class is made)
    spec.loader.exec_module(module)
    return module
