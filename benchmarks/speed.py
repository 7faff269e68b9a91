"""Speed benchmark (issue 7): the whole `dirfa animate` process, and per-stage costs in-process.

Speech: the LibriVox clips of pocketsphinx-testdata, concatenated to 10 s, 60 s and 600 s (temp WAVs).
Pictures: the example portrait at --size 256 and at its own 512 px, the portrait upscaled to 1024 px, and a
1600x1200 picture with the portrait pasted small ("large picture, small face").

    .venv/bin/python benchmarks/speed.py            # full: 10/60/600 s x 256/512/1024/1600x1200 (~1 h)
    .venv/bin/python benchmarks/speed.py --quick    # 10/60 s x 256/512/1600x1200, no 1024

Each CLI run is watched: killed past a wall-time limit or an RSS limit, so a run that holds frames in memory
cannot take the machine down. Prints tables and appends them to benchmarks/RESULTS.md; never fails on a
threshold.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import results_md

REPO = results_md.REPO
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
DIRFA = REPO / ".venv" / "bin" / "dirfa"
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"
RATE_HZ = 16000
STAGE_FRAMES = 100  # frames timed per picture for the per-stage breakdown
POLL_S = 0.2


# --- inputs -------------------------------------------------------------------------------------------


def speech_wav(path: Path, duration_s: float) -> Path:
    """The LibriVox clips end to end, repeated, cut to `duration_s`, as 16 kHz mono 16-bit WAV."""
    clips = []
    for wav in sorted(LIBRIVOX.glob("*.wav")):
        with wave.open(str(wav)) as f:
            assert f.getframerate() == RATE_HZ and f.getnchannels() == 1 and f.getsampwidth() == 2
            clips.append(np.frombuffer(f.readframes(f.getnframes()), "<i2"))
    one = np.concatenate(clips)
    n = int(round(duration_s * RATE_HZ))
    samples = np.resize(one, n) if n > len(one) else one[:n]
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE_HZ)
        f.writeframes(samples.astype("<i2").tobytes())
    return path


def short_wav(path: Path, duration_s: float = 0.2) -> Path:
    """`duration_s` of speech from the middle of the first clip (start-up measurement)."""
    with wave.open(str(sorted(LIBRIVOX.glob("*.wav"))[0])) as f:
        samples = np.frombuffer(f.readframes(f.getnframes()), "<i2")
    mid = len(samples) // 2
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE_HZ)
        f.writeframes(samples[mid : mid + int(duration_s * RATE_HZ)].tobytes())
    return path


def pictures(tmp: Path, *, quick: bool) -> list[tuple[str, Path, list[str]]]:
    """(label, picture, extra CLI args) for each output size measured."""
    from PIL import Image

    photo = Image.open(EXAMPLE_PORTRAIT).convert("RGB")
    big = tmp / "portrait_1024.png"
    photo.resize((1024, 1024), Image.LANCZOS).save(big)
    # A smooth, slightly textured background (a wall), the portrait pasted small and off-centre.
    yy, xx = np.mgrid[0:1200, 0:1600].astype(np.float32)
    base = 150 + 40 * np.sin(xx / 310.0) * np.cos(yy / 260.0) + 0.02 * (yy - 600)
    rng = np.random.default_rng(0)
    canvas = np.clip(
        base[..., None] + np.array([10.0, 0.0, -15.0]) + rng.normal(0, 2, (1200, 1600, 1)), 0, 255
    )
    canvas_img = Image.fromarray(canvas.astype(np.uint8))
    # 512 px: the face is then ~90 px wide, ~6 % of the picture. At 384 px (face ~70 px, above dirfa's 48 px
    # minimum) mediapipe's detector, which sees the whole picture downscaled, finds no face at all.
    canvas_img.paste(photo.resize((512, 512), Image.LANCZOS), (960, 380))
    wide = tmp / "canvas_1600x1200.png"
    canvas_img.save(wide)
    out = [
        ("256", EXAMPLE_PORTRAIT, ["--size", "256"]),
        ("512", EXAMPLE_PORTRAIT, []),
    ]
    if not quick:
        out.append(("1024", big, []))
    out.append(("1600x1200 small face", wide, []))
    return out


# --- whole process ------------------------------------------------------------------------------------


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    late_growth_mb: float  # RSS at 95 % of the run minus RSS at 50 %: > 0 means memory grows with length
    returncode: int
    note: str


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in process group `pgid` (the run and its helpers), in MB."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # fields after "pid (comm)": state, ppid, pgrp, ...
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024


TIME = Path("/usr/bin/time")


def run_watched(cmd: list[str], *, timeout_s: float, rss_limit_mb: float) -> Run:
    """Run `cmd` in its own process group, sampling its RSS; kill the group past `timeout_s` or
    `rss_limit_mb`.

    Peak RSS comes from GNU time's %M when /usr/bin/time exists: wait4's ru_maxrss of a child forked from
    this (large) Python process would start at this process's own size, since Linux carries the
    pre-exec high-water mark over. Otherwise it is the largest sampled RSS."""
    t0 = time.perf_counter()
    fd, time_out = tempfile.mkstemp(prefix="dirfa-speed-", suffix=".time")
    os.close(fd)
    full = [str(TIME), "-f", "%M", "-o", time_out, *cmd] if TIME.exists() else cmd
    proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    samples: list[tuple[float, float]] = []
    note = ""
    # stderr is read after the exit; -q keeps it short, so the pipe cannot fill up.
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        t = time.perf_counter() - t0
        rss = _group_rss_mb(proc.pid)
        samples.append((t, rss))
        if not note and (t > timeout_s or rss > rss_limit_mb):
            note = f"killed: {'time' if t > timeout_s else 'memory'} limit"
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only this run and its children
        time.sleep(POLL_S)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    proc.stderr.close()
    if proc.returncode != 0 and not note:
        note = f"exit {proc.returncode}: {err[-200:]}"
    peak = max((r for _, r in samples), default=float("nan"))
    try:
        text = Path(time_out).read_text().split()
        if text and text[-1].isdigit():
            peak = int(text[-1]) / 1024  # %M: maximum resident set size in KiB
    except OSError:
        pass
    finally:
        Path(time_out).unlink(missing_ok=True)
    growth = float("nan")
    if len(samples) >= 10:
        ts = np.array([s[0] for s in samples])
        rss = np.array([s[1] for s in samples])
        growth = float(np.interp(0.95 * wall, ts, rss) - np.interp(0.5 * wall, ts, rss))
    return Run(wall, peak, growth, proc.returncode, note)


# --- per stage ----------------------------------------------------------------------------------------


class Timer:
    """Accumulates the wall time of calls to wrapped functions, by label."""

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, label: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total[label] = self.total.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed


@contextlib.contextmanager
def patched(timer: Timer, targets: list[tuple[object, str, str]]) -> Iterator[None]:
    """Time the calls render makes to these (module or class, attribute, label), without changing them."""
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in targets]
    try:
        for obj, name, label in targets:
            setattr(obj, name, timer.wrap(label, getattr(obj, name)))
        yield
    finally:
        for obj, name, original in saved:
            setattr(obj, name, original)


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def stage_costs(picture: Path, size: int | None, tracks, audio_path: Path, tmp: Path) -> dict[str, float]:
    """ms (one-off) or ms/frame of each stage for one picture, over the first STAGE_FRAMES frames."""
    import dirfa
    from dirfa.face import rig as rig_module
    from dirfa.face.rig import build_rig
    from dirfa.media.video import write_video
    from dirfa.render import mouth, warp
    from dirfa.render.compose import FrameRenderer, plan_output

    out: dict[str, float] = {}
    t, portrait = best_of(lambda: dirfa.load_portrait(picture), repeat=2)
    out["load_portrait ms"] = 1000 * t
    t, rig = best_of(lambda: build_rig(portrait), repeat=2)
    out["build_rig ms"] = 1000 * t
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=False)
    t0 = time.perf_counter()
    renderer = FrameRenderer(portrait.image, rig, plan)
    out["FrameRenderer() ms"] = 1000 * (time.perf_counter() - t0)

    n = min(STAGE_FRAMES, tracks.n_frames)
    params = [tracks.frame(i) for i in range(n)]
    from dirfa.render import compose

    # What render_pose calls, where it exists in this version of the renderer.
    wanted = [
        (rig_module.Rig, "_unfold", "  of which unfold"),
        (warp, "backward_warp", "  of which backward_warp"),
        (warp, "remap", "  of which remap"),
        (mouth, "draw_mouth", "  of which draw_mouth"),
        (getattr(compose, "eyelids", None), "draw_lids", "  of which draw_lids"),
    ]
    targets = [(obj, name, label) for obj, name, label in wanted if obj is not None and hasattr(obj, name)]
    per_frame: dict[str, float] = {}

    def keep_min(label: str, seconds: float) -> None:
        ms = 1000 * seconds / n
        per_frame[label] = min(per_frame.get(label, float("inf")), ms)

    # Twice, keeping the faster of each: the first pass warms caches, and the machine may be shared.
    for _ in range(2):
        timer = Timer()
        poses, full, frames = [], [], []
        with patched(timer, targets):
            t0 = time.perf_counter()
            for p in params:
                poses.append(rig.pose(p))
            keep_min("rig.pose ms/frame", time.perf_counter() - t0)
            t0 = time.perf_counter()
            for pose in poses:
                full.append(renderer.render_pose(pose))
            keep_min("render_pose ms/frame", time.perf_counter() - t0)
        for _, _, label in wanted:
            keep_min(f"{label} ms/frame", timer.total.get(label, 0.0))
        t0 = time.perf_counter()
        for picture_full in full:
            frames.append(renderer.output(picture_full))
        keep_min("output (crop/scale) ms/frame", time.perf_counter() - t0)
        del full
        t0 = time.perf_counter()
        write_video(tmp / "stage.mp4", iter(frames), fps=int(tracks.fps), audio_source=None)
        keep_min("encode ms/frame", time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_video(
            tmp / "stage.mp4",
            iter(frames),
            fps=int(tracks.fps),
            audio_source=audio_path,
            audio_duration_s=n / tracks.fps,
        )
        keep_min("encode + audio ms/frame", time.perf_counter() - t0)
    order = ["rig.pose ms/frame", "  of which unfold ms/frame", "render_pose ms/frame"]
    order += [f"{label} ms/frame" for _, _, label in wanted[1:]]
    order += ["output (crop/scale) ms/frame", "encode ms/frame", "encode + audio ms/frame"]
    for label in order:
        out[label] = per_frame[label]
    out["frame size"] = f"{plan.width}x{plan.height}"
    return out


# --- helper modes, run in a watched child process ------------------------------------------------------


def child_analysis(wav: Path) -> dict[str, object]:
    """Time load_audio, analyze_speech and animate (motion) on one clip."""
    import dirfa

    t0 = time.perf_counter()
    audio = dirfa.load_audio(wav)
    t1 = time.perf_counter()
    from dirfa.render.stream import default_workers

    speech = dirfa.analyze_speech(audio, workers=default_workers())  # as the CLI does
    t2 = time.perf_counter()
    tracks = dirfa.animate(audio, speech=speech)
    t3 = time.perf_counter()
    return {
        "load_ms": 1000 * (t1 - t0),
        "analyze_ms": 1000 * (t2 - t1),
        "motion_ms": 1000 * (t3 - t2),
        "method": speech.method,
        "n_frames": tracks.n_frames,
    }


def child_render(picture: Path, wav: Path, size: int | None) -> dict[str, object]:
    """Render and encode a whole clip from precomputed tracks: the first 10 s animated, repeated to the clip's
    length. Measures the streaming part of the pipeline alone (no speech analysis)."""
    import dirfa

    audio = dirfa.load_audio(wav)
    first = dirfa.Audio(audio.samples[: 10 * audio.sample_rate_hz], audio.sample_rate_hz, audio.source)
    short = dirfa.animate(first)
    n = max(1, round(audio.duration_s * short.fps))
    tracks = dirfa.Tracks(short.fps, {k: np.resize(v, n) for k, v in short.curves.items()})
    portrait = dirfa.load_portrait(picture)
    from dirfa.render.stream import default_workers

    t0 = time.perf_counter()
    dirfa.render(
        portrait, tracks, wav.with_suffix(".render.mp4"), audio=audio, size=size, workers=default_workers()
    )
    return {"render_s": time.perf_counter() - t0, "n_frames": n}


def run_child(mode: list[str], *, timeout_s: float, rss_limit_mb: float) -> tuple[Run, dict[str, object]]:
    """Run this script in a helper mode under run_watched; its JSON result and the run's measurements."""
    import json

    out = Path(tempfile.mkstemp(prefix="dirfa-speed-", suffix=".json")[1])
    try:
        run = run_watched(
            [sys.executable, str(Path(__file__).resolve()), *mode, "--child-out", str(out)],
            timeout_s=timeout_s,
            rss_limit_mb=rss_limit_mb,
        )
        text = out.read_text()
        return run, (json.loads(text) if text.strip() else {})
    finally:
        out.unlink(missing_ok=True)


# --- main ---------------------------------------------------------------------------------------------


def fmt(x: object, digits: int = 1) -> str:
    if isinstance(x, float):
        return "-" if np.isnan(x) else f"{x:.{digits}f}"
    return str(x)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip 600 s and the 1024 px picture")
    parser.add_argument("--durations", type=float, nargs="+", help="speech lengths in s (default 10 60 600)")
    parser.add_argument("--rss-limit-mb", type=float, default=4096, help="kill a CLI run above this RSS")
    parser.add_argument("--no-cli", action="store_true", help="per-stage timings only")
    parser.add_argument(
        "--pictures",
        nargs="+",
        metavar="LABEL",
        help="only these pictures: 256 512 1024 1600x1200 (default all)",
    )
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument("--child-analysis", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-render", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_out is not None:
        import json

        if args.child_analysis is not None:
            result = child_analysis(args.child_analysis)
        else:
            picture, wav, size = args.child_render
            result = child_render(Path(picture), Path(wav), None if size == "none" else int(size))
        args.child_out.write_text(json.dumps(result))
        return
    durations = args.durations or ([10.0, 60.0] if args.quick else [10.0, 60.0, 600.0])

    import dirfa

    sections: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dirfa-speed-") as tmpdir:
        tmp = Path(tmpdir)
        wavs = {d: speech_wav(tmp / f"speech_{d:g}s.wav", d) for d in durations}
        pics = pictures(tmp, quick=args.quick)
        if args.pictures:
            pics = [p for p in pics if p[0].split()[0] in args.pictures]

        # Start-up: the interpreter and imports, then the fixed cost of a tiny animation.
        version = [
            run_watched([str(DIRFA), "--version"], timeout_s=60, rss_limit_mb=args.rss_limit_mb)
            for _ in range(3)
        ]
        tiny = short_wav(tmp / "tiny.wav")
        tiny_runs = [
            run_watched(
                [str(DIRFA), "animate", str(EXAMPLE_PORTRAIT), str(tiny), "-o", str(tmp / "tiny.mp4"), "-q"],
                timeout_s=120,
                rss_limit_mb=args.rss_limit_mb,
            )
            for _ in range(3)
        ]
        startup_rows = [
            [
                "dirfa --version",
                fmt(statistics.median(r.wall_s for r in version), 2),
                fmt(max(r.peak_rss_mb for r in version), 0),
            ],
            [
                "animate 0.2 s audio, 512 px",
                fmt(statistics.median(r.wall_s for r in tiny_runs), 2),
                fmt(max(r.peak_rss_mb for r in tiny_runs), 0),
            ],
        ]
        startup = results_md.table(["start-up (median of 3)", "wall s", "peak RSS MB"], startup_rows)
        print(startup)
        sections.append("Start-up:\n\n" + startup)

        # Whole process.
        if not args.no_cli:
            header = [
                "picture",
                "audio s",
                "frames",
                "wall s",
                "frames/s",
                "x real time",
                "peak RSS MB",
                "late RSS growth MB",
                "note",
            ]
            rows = []
            print()
            for label, picture, extra in pics:
                for d in durations:
                    n_frames = max(1, round(d * 25))
                    cmd = [
                        str(DIRFA),
                        "animate",
                        str(picture),
                        str(wavs[d]),
                        "-o",
                        str(tmp / "out.mp4"),
                        "-q",
                        *extra,
                    ]
                    # Short runs twice, keeping the faster: the machine may be shared with other jobs.
                    runs = [
                        run_watched(cmd, timeout_s=max(300.0, 10.0 * d), rss_limit_mb=args.rss_limit_mb)
                        for _ in range(2 if d <= 60 else 1)
                    ]
                    run = min(runs, key=lambda r: r.wall_s if not r.note else float("inf"))
                    done = run.returncode == 0 and not run.note
                    rows.append(
                        [
                            label,
                            f"{d:g}",
                            n_frames,
                            fmt(run.wall_s) if done else f"({fmt(run.wall_s)})",
                            fmt(n_frames / run.wall_s) if done else "-",
                            fmt(d / run.wall_s, 2) if done else "-",
                            fmt(run.peak_rss_mb, 0),
                            fmt(run.late_growth_mb, 0),
                            run.note,
                        ]
                    )
                    print(" | ".join(str(c) for c in rows[-1]), f"(load {results_md.load()})", flush=True)
            whole = results_md.table(header, rows)
            print("\n" + whole)
            sections.append(
                "Whole `dirfa animate` process (default options, 25 fps; wall time of the process, the faster of "
                "two runs up to 60 s; peak RSS from GNU time %M; late RSS growth = RSS at 95 % of the run minus "
                "at 50 %; wall time in brackets: the run was stopped):\n\n" + whole
            )

        # Analysis stages, per speech length (independent of the picture), each in a watched child.
        audio_rows = []
        for d in durations:
            run, res = run_child(
                ["--child-analysis", str(wavs[d])],
                timeout_s=max(300.0, 10.0 * d),
                rss_limit_mb=args.rss_limit_mb,
            )
            if not res:
                audio_rows.append([f"{d:g}", "-", "-", "-", "-", "-", "-", fmt(run.peak_rss_mb, 0), run.note])
                continue
            audio_rows.append(
                [
                    f"{d:g}",
                    fmt(res["load_ms"], 0),
                    fmt(res["analyze_ms"], 0),
                    fmt(1000 * d / res["analyze_ms"], 1),
                    res["method"],
                    fmt(res["motion_ms"], 0),
                    fmt(res["motion_ms"] / res["n_frames"], 2),
                    fmt(run.peak_rss_mb, 0),
                    run.note,
                ]
            )
            print(" | ".join(str(c) for c in audio_rows[-1]), flush=True)
        analysis = results_md.table(
            [
                "audio s",
                "load_audio ms",
                "analyze_speech ms",
                "x real time",
                "method",
                "animate (motion) ms",
                "motion ms/frame",
                "peak RSS MB (whole child)",
                "note",
            ],
            audio_rows,
        )
        print("\n" + analysis)
        sections.append(
            "Speech analysis and motion (audio only, one child process per length, with the CLI's default "
            "workers — one per core):\n\n" + analysis
        )

        # Render + encode alone over the longest clip: does the streaming part stay flat in memory?
        longest = max(durations)
        render_rows = []
        for label, picture, extra in pics:
            size = extra[1] if extra else "none"
            run, res = run_child(
                ["--child-render", str(picture), str(wavs[longest]), size],
                timeout_s=max(300.0, 10.0 * longest),
                rss_limit_mb=args.rss_limit_mb,
            )
            frames_n = res.get("n_frames", round(longest * 25))
            render_s = res.get("render_s", float("nan"))
            render_rows.append(
                [
                    label,
                    f"{longest:g}",
                    frames_n,
                    fmt(render_s),
                    fmt(frames_n / render_s if res else float("nan")),
                    fmt(run.peak_rss_mb, 0),
                    fmt(run.late_growth_mb, 0),
                    run.note,
                ]
            )
            print(" | ".join(str(c) for c in render_rows[-1]), flush=True)
        render_table = results_md.table(
            [
                "picture",
                "audio s",
                "frames",
                "render s",
                "frames/s",
                "peak RSS MB",
                "late RSS growth MB",
                "note",
            ],
            render_rows,
        )
        print("\n" + render_table)
        sections.append(
            f"Render + encode only, {longest:g} s (dirfa.render from precomputed tracks: the first 10 s animated "
            "and repeated; one child process per picture, with the CLI's default workers — one per core):\n\n"
            + render_table
        )
        tracks = dirfa.animate(dirfa.load_audio(wavs[min(durations)]))

        # Per-frame stages, per picture.
        columns = {}
        for label, picture, extra in pics:
            size = int(extra[1]) if extra else None
            columns[label] = stage_costs(picture, size, tracks, wavs[min(durations)], tmp)
        names = list(next(iter(columns.values())))
        stage_rows = [[name] + [fmt(columns[c][name], 2) for c in columns] for name in names]
        per_frame = [c for c in columns]
        total_row = ["sum per frame (pose + render_pose + output + encode)"]
        for c in per_frame:
            v = columns[c]
            total_row.append(
                fmt(
                    v["rig.pose ms/frame"]
                    + v["render_pose ms/frame"]
                    + v["output (crop/scale) ms/frame"]
                    + v["encode ms/frame"],
                    2,
                )
            )
        stage_rows.append(total_row)
        stages = results_md.table(["stage"] + list(columns), stage_rows)
        print("\n" + stages)
        sections.append(
            f"Per stage, in-process (first {STAGE_FRAMES} frames of the {min(durations):g} s animation, "
            "the faster of two passes; render_pose "
            "sub-steps timed by wrapping the functions it calls; encode = dirfa.media.video.write_video of the "
            "rendered frames, its encoder thread included):\n\n" + stages
        )
    elapsed = time.perf_counter() - started
    print(f"\nbenchmark took {elapsed:.0f} s")
    if not args.no_append:
        results_md.append(
            f"Speed (benchmarks/speed.py{' --quick' if args.quick else ''})",
            "\n\n".join(sections) + f"\n\nTotal {elapsed:.0f} s.",
            command=" ".join(["benchmarks/speed.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
