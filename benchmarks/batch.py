"""Batch benchmark (issue 17): `dirfa batch` on Ray vs a plain sequential loop of `dirfa animate`, Ray's
per-row overhead, and a two-node Ray cluster on this machine with rows spread over both nodes.

Rows: the example portrait with the LibriVox clips of pocketsphinx-testdata (2.5-6 s each), cycled, one seed
per row, --size 256 (temp folder; nothing is written in the repository but RESULTS.md).

    .venv/bin/python benchmarks/batch.py               # 20 rows, then the two-node run (~5-10 min on 2 cores)
    .venv/bin/python benchmarks/batch.py --rows 6 --no-record

The two-node run starts `ray start --head --block` and `ray start --block --address 127.0.0.1:PORT`, each with
one CPU and a temporary folder of its own, and stops them by terminating those two processes (never
`ray stop`, which would end every Ray on the machine). Prints tables and appends them to RESULTS.md; never
fails on a threshold.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import results_md

REPO = results_md.REPO
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
PORTRAIT = REPO / "examples" / "portrait.jpg"
RAY = Path(sys.executable).parent / "ray"
DIRFA = Path(sys.executable).parent / "dirfa"
START_TIMEOUT_S = 180  # a `ray start` on a busy 2-core machine takes 15-30 s
NOOP_TASKS = 200


def _clips() -> list[tuple[Path, float]]:
    clips = []
    for path in sorted(LIBRIVOX.glob("*.wav")):
        with wave.open(str(path), "rb") as source:
            clips.append((path, source.getnframes() / source.getframerate()))
    if not clips:
        sys.exit(f"benchmarks/batch.py needs {LIBRIVOX} (Debian package pocketsphinx-testdata)")
    return clips


def _rows(n_rows: int, size_px: int) -> tuple[list[dict], float]:
    clips = _clips()
    rows = []
    for i in range(n_rows):
        clip, _ = clips[i % len(clips)]
        rows.append(
            {
                "portrait": str(PORTRAIT),
                "audio": str(clip),
                "seed": i,
                "size": size_px,
                "output": f"r{i:03d}.mp4",
            }
        )
    audio_s = sum(clips[i % len(clips)][1] for i in range(n_rows))
    return rows, audio_s


def sequential(rows: list[dict], out: Path) -> float:
    """Wall seconds for `dirfa animate` run once per row, one after the other (what a shell loop does)."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for row in rows:
        command = [str(DIRFA), "animate", row["portrait"], row["audio"], "-o", str(out / row["output"])]
        command += ["--seed", str(row["seed"]), "--size", str(row["size"]), "-q"]
        subprocess.run(command, check=True)
    return time.perf_counter() - start


def on_local_ray(rows: list[dict], out: Path) -> dict[str, float]:
    """`dirfa.batch` on a local Ray (all cores): Ray's start-up, the batch's wall time once Ray is up, the rows'
    own seconds in their workers, and the round trip of a task that does nothing."""
    import dirfa
    from dirfa.batch.run import local_cpus, ray_session

    start = time.perf_counter()
    with ray_session() as ray:
        started_s = time.perf_counter() - start

        @ray.remote(num_cpus=1)
        def noop() -> None:
            return None

        ray.get(noop.remote())  # a worker up before timing
        t0 = time.perf_counter()
        for _ in range(20):
            ray.get(noop.remote())
        one_task_ms = (time.perf_counter() - t0) / 20 * 1000
        t0 = time.perf_counter()
        ray.get([noop.remote() for _ in range(NOOP_TASKS)])
        many_tasks_ms = (time.perf_counter() - t0) / NOOP_TASKS * 1000

        t0 = time.perf_counter()
        results = dirfa.batch(rows, out)
        batch_s = time.perf_counter() - t0
    failed = [r for r in results if r.state != "done"]
    if failed:
        sys.exit(f"batch rows failed: {failed}")
    work_s = sum(r.seconds for r in results)
    cpus = local_cpus()
    return {
        "ray_start_s": started_s,
        "batch_s": batch_s,
        "work_s": work_s,
        "cpus": cpus,
        # What the batch cost beyond the rows' own work, per row: scheduling, prepare tasks, worker start-up
        # (each worker imports dirfa once), results file, and CPUs left idle at the end of the batch.
        "overhead_per_row_s": (batch_s * cpus - work_s) / len(rows),
        "one_task_ms": one_task_ms,
        "many_tasks_ms": many_tasks_ms,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def two_nodes(folder: Path) -> Iterator[str]:
    """A Ray head and a second node on this machine, one CPU each; yields the head's address."""
    port = _free_port()
    # `ray start` turns on token authentication (Ray >= 2.5x); the second node and the driver then need the
    # same mode (the token is the one `ray start` keeps in ~/.ray/auth_token).
    # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0: both nodes (and the driver) stay on 127.0.0.1 instead of this
    # machine's network address.
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    common = ["--block", "--num-cpus", "1", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
    head_args = [
        "--head",
        "--port",
        str(port),
        "--temp-dir",
        str(folder / "ray"),
        "--include-dashboard",
        "false",
    ]
    nodes = []
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for name, args in (("head", head_args), ("second", ["--address", f"127.0.0.1:{port}"])):
            log_path = folder / f"{name}.log"
            with open(log_path, "w") as log:
                nodes.append(
                    subprocess.Popen(
                        [str(RAY), "start", *args, *common], stdout=log, stderr=subprocess.STDOUT, env=env
                    )
                )
            deadline = time.monotonic() + START_TIMEOUT_S
            while "Ray runtime started" not in log_path.read_text():
                if nodes[-1].poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"ray start ({name}) failed: see {log_path}")
                time.sleep(0.5)
        with _env(RAY_AUTH_MODE="token", RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0"):
            yield f"127.0.0.1:{port}"
    finally:
        for node in reversed(nodes):  # `ray start --block` stops the processes it started on SIGTERM
            node.terminate()
        for node in nodes:
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def on_two_nodes(rows: list[dict], folder: Path) -> tuple[float, dict[str, int]]:
    import dirfa

    with two_nodes(folder) as address:
        start = time.perf_counter()
        results = dirfa.batch(rows, folder / "out", ray_address=address)
        wall_s = time.perf_counter() - start
    failed = [r for r in results if r.state != "done"]
    if failed:
        sys.exit(f"two-node rows failed: {failed}")
    return wall_s, dict(collections.Counter((r.node or "?")[:8] for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--two-node-rows", type=int, default=6)
    parser.add_argument("--no-record", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()

    rows, audio_s = _rows(args.rows, args.size)
    folder = Path(tempfile.mkdtemp(prefix="dirfa-batch-bench-"))
    try:
        print(f"{args.rows} rows, {audio_s:.1f} s of speech, --size {args.size}", flush=True)
        seq_s = sequential(rows, folder / "seq")
        print(f"sequential `dirfa animate` loop: {seq_s:.1f} s", flush=True)
        ray_run = on_local_ray(rows, folder / "batch")
        print(
            f"dirfa batch: Ray up in {ray_run['ray_start_s']:.1f} s, rows in {ray_run['batch_s']:.1f} s",
            flush=True,
        )
        two_rows, _ = _rows(args.two_node_rows, args.size)
        two_s, per_node = on_two_nodes(two_rows, folder / "two")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    audio_min = audio_s / 60
    batch_total_s = ray_run["ray_start_s"] + ray_run["batch_s"]
    throughput = [
        ("sequential loop of `dirfa animate`", seq_s, audio_min / (seq_s / 60), 1.0),
        (
            "`dirfa batch`, local Ray, start-up included",
            batch_total_s,
            audio_min / (batch_total_s / 60),
            seq_s / batch_total_s,
        ),
        (
            "`dirfa batch`, rows only (Ray already up)",
            ray_run["batch_s"],
            audio_min / (ray_run["batch_s"] / 60),
            seq_s / ray_run["batch_s"],
        ),
    ]
    table1 = results_md.table(
        ["run", "wall s", "audio-min per wall-min", "speed-up vs loop"],
        [(name, f"{wall:.1f}", f"{rate:.2f}", f"{ratio:.2f}x") for name, wall, rate, ratio in throughput],
    )
    table2 = results_md.table(
        ["Ray overhead", "value"],
        [
            ("local Ray start-up (ray.init, no dashboard)", f"{ray_run['ray_start_s']:.1f} s"),
            (
                "rows' own work in their workers (sum)",
                f"{ray_run['work_s']:.1f} s over {ray_run['cpus']} CPUs",
            ),
            ("overhead per row: (wall x CPUs - work) / rows", f"{ray_run['overhead_per_row_s']:.2f} s"),
            ("one empty task, round trip", f"{ray_run['one_task_ms']:.1f} ms"),
            (f"{NOOP_TASKS} empty tasks at once, per task", f"{ray_run['many_tasks_ms']:.2f} ms"),
        ],
    )
    table3 = results_md.table(
        ["two nodes on this machine (1 CPU each)", "value"],
        [("rows", str(args.two_node_rows)), ("wall s (cluster already up)", f"{two_s:.1f}")]
        + [(f"rows on node {node}", str(count)) for node, count in sorted(per_node.items())],
    )
    body = "\n\n".join([table1, table2, table3])
    print()
    print(body)
    if not args.no_record:
        note = (
            f"{args.rows} rows ({audio_s:.0f} s of LibriVox speech, --size {args.size}); measured while other "
            "work shared the 2 cores, so the absolute figures are pessimistic — the ratios were measured in "
            "the same run."
        )
        results_md.append(
            "Batch: dirfa batch on Ray vs a dirfa animate loop",
            f"{note}\n\n{body}",
            command=" ".join(sys.argv),
        )


if __name__ == "__main__":
    main()
