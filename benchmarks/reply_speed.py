"""The wall-clock timeline of one `dirfa say` (or `dirfa animate`) run, stage by stage, process start included.

    .venv/bin/python benchmarks/reply_speed.py [--runs 3] [--size 512] [--no-append] [-- extra dirfa args]
    .venv/bin/python benchmarks/reply_speed.py --frames   # who renders which frame, in this interpreter
    .venv/bin/python benchmarks/reply_speed.py --runs 6 --against /tmp/old/src [--src /tmp/new/src]
        # old and new code in alternating runs (frozen copies of src: PYTHONPATH), stage by stage, with ratios

Runs the command in a fresh interpreter whose pipeline functions are wrapped to record when each stage starts
and ends (milliseconds since the parent launched the process), and prints a table per run plus the best wall.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_md  # noqa: E402

REPO = results_md.REPO
PYTHON = REPO / ".venv" / "bin" / "python"
PORTRAIT = REPO / "examples" / "portrait.jpg"
# ~5 s of speech from festival's slt voice (benchmarks/live.py's 6 s reply, one clause shorter).
REPLY = "Thanks for asking. The weather today is mild, with a light breeze from the west."

# Run in the child: wrap the stages, then run the CLI. Every event is (name, "start"/"end", ms since launch).
_CHILD = r"""
import json, os, sys, time, threading
LAUNCH = float(os.environ["DIRFA_TIMELINE_LAUNCH"])
events = []
def mark(name, what):
    events.append((name, what, 1000 * (time.time() - LAUNCH), 1000 * time.process_time()))
mark("interpreter", "end")

def wrap(module, attr, name):
    original = getattr(module, attr)
    def timed(*args, **kwargs):
        mark(name, "start")
        try:
            return original(*args, **kwargs)
        finally:
            mark(name, "end")
    setattr(module, attr, timed)

def wrap_iter(module, attr, name):
    original = getattr(module, attr)
    def timed(*args, **kwargs):
        mark(name, "start")
        first = True
        for item in original(*args, **kwargs):
            if first:
                mark(name + ": first item", "end")
                first = False
            yield item
        mark(name, "end")
    setattr(module, attr, timed)

import atexit, importlib.abc, importlib.machinery

atexit.register(mark, "atexit handlers", "end")  # registered first: runs last


def instrument(name, module):
    # Wrap the stages of a module when it is imported (importing it here would move its cost earlier).
    if name == "dirfa.api":
        wrap(module, "analyze_speech", "speech analysis")
        wrap(module, "animate", "motion (animate)")
        wrap(module, "steady_mouth", "steady_mouth")
        wrap_iter(module, "render_frames", "render_frames")
        mark("import dirfa.api", "end")
    elif name == "dirfa.media.video":
        wrap(module, "write_video", "write_video (render + encode)")
        wrap(module._Encoder, "finish", "encoder flush + audio")
    elif name == "dirfa.voice.synthesis":
        wrap(module, "find_voice", "find voice")
        wrap(module, "_plan", "check markup")
        wrap(module, "join", "synthesis (phrases)")
        wrap(module, "synthesize", "synthesis (phrases)")
        if hasattr(module, "SynthesisJob"):
            wrap(module.SynthesisJob, "result", "wait for synthesis")
    elif name == "dirfa.voice.festival":
        wrap(module, "start", "festival voice load")
        wrap(module._Server, "__init__", "festival process start + voice")
        wrap(module, "speak", "festival speak")
    elif name == "dirfa.avatar":
        wrap(module, "open_avatar", "open avatar")
        wrap(module, "load_avatar", "load avatar")
    elif name == "dirfa.render.stream":
        mark("import dirfa.render.stream", "end")
        if hasattr(module, "RenderWorkers"):
            wrap(module.RenderWorkers, "__init__", "start render workers")
        if hasattr(module, "_Pool"):
            wrap(module._Pool, "ready", "pool.ready() polls")
            wrap(module._Pool, "close", "stop the render workers")
        if hasattr(module.RenderWorkers, "prepare"):
            wrap(module.RenderWorkers, "prepare", "prepare the renderers")


class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if not name.startswith("dirfa."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            if name == "dirfa.api":
                mark("import dirfa.api", "start")
            original(module)
            instrument(name, module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Hook())
mark("import dirfa.cli", "start")
from dirfa import cli
mark("import dirfa.cli", "end")


def returned():
    mark("main returned", "end")
    def save():
        with open(os.environ["DIRFA_TIMELINE_OUT"], "w") as out:
            json.dump(events, out)
    atexit.register(save)
    atexit.register(mark, "atexit handlers", "start")  # registered last: runs first


if hasattr(cli, "_end_process"):  # main() ends the process itself (its exit handlers, then os._exit)
    end_process = cli._end_process

    def ending(code):
        returned()
        end_process(code)

    cli._end_process = ending
try:
    sys.argv = ["dirfa", *sys.argv[1:]]
    code = cli.main()  # as the dirfa command calls it (no argv)
finally:
    returned()
sys.exit(code)
"""


def run_once(args: list[str], out_json: Path, env: dict[str, str]) -> tuple[float, list]:
    """Wall seconds of one child run (launch to exit) and its events, the last being ("CPU, all processes",
    "end", wall ms, CPU ms of dirfa and every process it started: festival, render workers)."""
    env = dict(env, DIRFA_TIMELINE_OUT=str(out_json))
    env["DIRFA_TIMELINE_LAUNCH"] = repr(time.time())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Output to a file, not a pipe: the wall ends when dirfa's process exits, as a shell sees it. (With
    # pipes, it would end when every process holding them has closed them: multiprocessing's resource
    # tracker outlives dirfa's process by ~0.05-0.1 s, longer on a busy machine.)
    with tempfile.TemporaryFile() as output:
        t0 = time.perf_counter()
        proc = subprocess.run([str(PYTHON), "-c", _CHILD, *args], env=env, stdout=output, stderr=output)
        wall = time.perf_counter() - t0
        output.seek(0)
        said = output.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"dirfa failed ({proc.returncode}): {said.strip()[-500:]}")
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, [*json.loads(out_json.read_text()), ["CPU, all processes", "end", 1000 * wall, 1000 * cpu_s]]


def table(events: list, wall_s: float) -> list[list[object]]:
    """Rows: stage, start ms, end ms, duration ms (first start to last end of each name), and this process's
    CPU ms (all its threads; not festival's or the render workers') spent by the end of the stage."""
    nan = float("nan")
    spans: dict[str, list[float]] = {}
    for name, what, ms, cpu_ms in events:
        span = spans.setdefault(name, [nan, nan, nan])
        if what == "start" and span[0] != span[0]:
            span[0] = ms
        if what == "end":
            span[1], span[2] = ms, cpu_ms
    spans["process exit"] = [nan, 1000 * wall_s, nan]
    rows = []
    for name, (start, end, cpu) in sorted(spans.items(), key=lambda item: item[1][1]):
        shown = ["" if value != value else f"{value:.0f}" for value in (start, end, end - start, cpu)]
        rows.append([name, *shown])
    return rows


# The stages compared by --against: (row label, stage name, what of it: "start" or "end" ms since launch, "ms"
# long, "span" from the first's start to the second's end, "after": the second's end after the first's).
COMPARED = (
    ("festival started (ms since launch)", "festival process start + voice", "start"),
    ("synthesis done (ms since launch)", "wait for synthesis", "end"),
    ("import dirfa.api (ms)", "import dirfa.api", "ms"),
    ("speech analysis + motion + steady_mouth (ms)", ("speech analysis", "steady_mouth"), "span"),
    ("first frame (ms since launch)", "render_frames: first item", "end"),
    ("pool.ready() polls (ms)", "pool.ready() polls", "ms"),
    ("render_frames (ms)", "render_frames", "ms"),
    ("stop the render workers (ms)", "stop the render workers", "ms"),
    ("main returned (ms since launch)", "main returned", "end"),
    ("main returned to process exit (ms)", ("main returned", "CPU, all processes"), "after"),
)


def spans(events: list) -> dict[str, tuple[float, float]]:
    """Stage name -> (first start, last end) in ms since launch (NaN where not recorded)."""
    nan = float("nan")
    found: dict[str, list[float]] = {}
    for name, what, ms, _cpu in events:
        span = found.setdefault(name, [nan, nan])
        if what == "start" and span[0] != span[0]:
            span[0] = ms
        if what == "end":
            span[1] = ms
    return {name: (start, end) for name, (start, end) in found.items()}


def compare(command: list[str], env: dict[str, str], tmp: Path, sources: dict[str, str], runs: int) -> str:
    """Runs of `command` alternating between the code of `sources` (label -> src folder, put first on
    PYTHONPATH; "" for this interpreter's own), the first label first on even runs and last on odd ones; a
    table of each stage's median and the walls' min and median, with the ratios of the second code to the
    first."""
    import statistics

    nan = float("nan")
    labels = list(sources)
    walls: dict[str, list[float]] = {label: [] for label in labels}
    cpus: dict[str, list[float]] = {label: [] for label in labels}
    stages: dict[str, list[dict]] = {label: [] for label in labels}
    envs = {label: dict(env, PYTHONPATH=src) if src else env for label, src in sources.items()}
    # Each code says its reply from an avatar it prepared itself (an avatar records the layout of its dirfa).
    commands = {label: list(command) for label in labels}
    if command[0] == "say":
        for label in labels:
            own = tmp / f"face-{label}.avatar"
            subprocess.run(
                [str(PYTHON), "-m", "dirfa", "prepare", str(PORTRAIT), "-o", str(own), "-q"],
                check=True,
                env=envs[label],
            )
            commands[label][1] = str(own)
    for label in labels:  # untimed: bytecode written (see BYTECODE_HELP), files in the page cache
        run_once(commands[label], tmp / "events.json", envs[label])
    for run in range(runs):
        for label in labels if run % 2 == 0 else labels[::-1]:
            wall, events = run_once(commands[label], tmp / "events.json", envs[label])
            walls[label].append(wall)
            cpus[label].append(events[-1][3] / 1000)
            stages[label].append(spans(events))
            print(f"run {run + 1} {label}: {wall:.2f} s wall, load {os.getloadavg()[0]:.1f}", flush=True)

    def stage_ms(span: dict, name: object, what: str) -> float:
        if what in ("span", "after"):
            first, last = name
            return span.get(last, (nan, nan))[1] - span.get(first, (nan, nan))[0 if what == "span" else 1]
        start, end = span.get(name, (nan, nan))
        return {"start": start, "end": end}.get(what, end - start)

    old, new = labels[0], labels[-1]
    rows = []
    for row, name, what in COMPARED:
        medians = {
            label: statistics.median([stage_ms(s, name, what) for s in stages[label]]) for label in labels
        }
        rows.append(
            [
                f"{row}, median",
                *(f"{medians[label]:.0f}" for label in labels),
                f"{medians[new] / medians[old]:.2f}",
            ]
        )
    for what, pick in (("min", min), ("median", statistics.median)):
        rows.append(
            [
                f"wall s, {what}",
                *(f"{pick(walls[label]):.2f}" for label in labels),
                f"{pick(walls[new]) / pick(walls[old]):.2f}",
            ]
        )
    rows.append(
        [
            "CPU s of all processes, median",
            *(f"{statistics.median(cpus[label]):.2f}" for label in labels),
            f"{statistics.median(cpus[new]) / statistics.median(cpus[old]):.2f}",
        ]
    )
    rows.append(["walls s", *(" ".join(f"{w:.2f}" for w in walls[label]) for label in labels), ""])
    return results_md.table(["stage", *labels, f"{new} / {old}"], rows)


def encoder_figures(tmp: Path, avatar: Path, size: int | None, n_frames: int = 60) -> list[list[object]]:
    """CPU ms per frame, file size and PSNR of media.video's encoder settings against x264's own "veryfast"
    motion search (me=hex:subme=2), on frames rendered from `avatar`, interleaved three times."""
    import statistics

    import numpy as np

    import dirfa
    from dirfa.media import video
    from dirfa.render.compose import FrameRenderer

    level, plan = dirfa.load_avatar(avatar).for_output(size=size, crop=False)
    renderer = FrameRenderer(level.portrait.image, level.rig, plan, level.assets)
    t = np.arange(n_frames) / 25.0
    frames = [
        renderer.render(
            {"jawOpen": 0.3 + 0.3 * np.sin(2 * np.pi * 3 * k), "headYaw": 6 * np.sin(2 * np.pi * 0.4 * k)}
        )
        for k in t
    ]
    settings = {
        "veryfast (me=hex:subme=2)": "me=hex:subme=2",
        f"dirfa ({video.X264_MOTION})": video.X264_MOTION,
    }
    cpu: dict[str, list[float]] = {label: [] for label in settings}
    sizes, psnr = {}, {}
    default = video.X264_MOTION
    try:
        for _ in range(3):
            for label, motion in settings.items():
                video.X264_MOTION = motion
                path = tmp / "encoder.mp4"
                c0 = time.process_time()
                video.write_video(path, iter(frames), fps=25, audio_source=None)
                cpu[label].append(1000 * (time.process_time() - c0) / n_frames)
                sizes[label] = path.stat().st_size
                decoded = list(video.read_video_frames(path))
                errors = [np.mean((a.astype(np.float64) - b) ** 2) for a, b in zip(frames, decoded)]
                psnr[label] = float(np.mean([10 * np.log10(255**2 / max(e, 1e-9)) for e in errors]))
    finally:
        video.X264_MOTION = default
    base = next(iter(settings))
    rows = []
    for label in settings:
        ms = statistics.median(cpu[label])
        rows.append(
            [
                f"{label}, {plan.width} x {plan.height}",
                f"{ms:.1f}",
                f"{ms / statistics.median(cpu[base]):.2f}",
                f"{sizes[label] / 1000:.0f} kB ({sizes[label] / sizes[base]:.2f})",
                f"{psnr[label]:.2f}",
            ]
        )
    return rows


def _now_ms() -> float:
    return 1000 * (time.time() - float(os.environ["DIRFA_FRAMES_T0"]))


def _traced_work(conn) -> None:  # noqa: ANN001 - a render worker (render.stream._run_worker) logging frames
    from dirfa.render import compose, stream

    events, real = [], compose.FrameRenderer.render

    def render(self, params):  # noqa: ANN001, ANN202
        begun, cpu = _now_ms(), time.thread_time()
        frame = real(self, params)
        events.append(("worker render", begun, _now_ms(), 1000 * (time.thread_time() - cpu)))
        return frame

    compose.FrameRenderer.render = render
    try:
        stream._work(conn)
    finally:
        Path(os.environ["DIRFA_FRAMES_OUT"] + f".{os.getpid()}").write_text(json.dumps(events))


def frame_timeline(avatar: Path, size: int, tmp: Path) -> list[list[object]]:
    """Render + encode a `say` reply as `dirfa say` does (a worker started first, ~2 s before its clip), each
    frame's render and encode timed; rows: what each process and thread did, in CPU and wall ms."""
    import threading

    import dirfa
    from dirfa import api
    from dirfa.media import video
    from dirfa.render import compose, stream

    os.environ["DIRFA_FRAMES_T0"], os.environ["DIRFA_FRAMES_OUT"] = repr(time.time()), str(tmp / "worker")
    stream._run_worker = _traced_work  # the worker, a fresh interpreter, imports this module for it
    started = stream.RenderWorkers(1)
    face = dirfa.load_avatar(avatar)
    if hasattr(api, "prepare_frames"):  # as `dirfa say` does: the renderers set up while the reply is made
        api.prepare_frames(face, started, size=size)
    said = dirfa.say(face, REPLY, seed=1)
    time.sleep(max(0.0, 2.0 - _now_ms() / 1000))
    events: list[tuple[str, float, float, float]] = []

    def timed(owner, attr: str, name: str) -> None:  # noqa: ANN001
        real = getattr(owner, attr)

        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            begun, cpu = _now_ms(), time.thread_time()
            result = real(*args, **kwargs)
            thread = (
                "main thread" if threading.current_thread() is threading.main_thread() else "encoder thread"
            )
            events.append((f"{name}, {thread}", begun, _now_ms(), 1000 * (time.thread_time() - cpu)))
            return result

        setattr(owner, attr, wrapper)

    timed(compose.FrameRenderer, "render", "render here")
    timed(stream._Pool, "_receive", "wait for the worker")
    timed(video._Encoder, "add", "encode")
    begun, cpu = _now_ms(), time.process_time()
    dirfa.render(
        face, said.tracks, tmp / "frames.mp4", audio=said.audio, size=size, workers=2, started=started
    )
    wall_ms, cpu_ms = _now_ms() - begun, 1000 * (time.process_time() - cpu)
    for path in tmp.glob("worker.*"):
        events += [tuple(event) for event in json.loads(path.read_text())]
    rows = [
        [
            "render + encode (dirfa.render)",
            said.tracks.n_frames,
            f"{wall_ms:.0f}",
            f"{cpu_ms:.0f} (process)",
            "",
            "",
        ]
    ]
    for name in sorted({event[0] for event in events}):
        mine = [event for event in events if event[0] == name]
        rows.append(
            [
                name,
                len(mine),
                f"{sum(e[2] - e[1] for e in mine):.0f}",
                f"{sum(e[3] for e in mine):.0f}",
                f"{min(e[1] for e in mine) - begun:.0f}",
                f"{max(e[2] for e in mine) - begun:.0f}",
            ]
        )
    return rows


BYTECODE_HELP = (
    "cached (default): dirfa's modules run from bytecode written by an untimed first run (to a folder of its "
    "own), as an installed dirfa does (pip byte-compiles it); none: compiled from source in every process, "
    "as a source tree runs under PYTHONDONTWRITEBYTECODE=1 (~0.1-0.25 s of CPU in dirfa's process and in "
    "each render worker; the figures in RESULTS.md before 2026-12-02 08:00 UTC)"
)


def what_of(args: argparse.Namespace) -> str:
    what = "a picture cached by a first run" if args.animate else "a prepared avatar"
    return f"{what}; bytecode {'cached, as installed' if args.bytecode == 'cached' else 'compiled in each process'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=512, help="output width; 0: the picture's own")
    parser.add_argument(
        "--animate", nargs=2, metavar=("PICTURE", "AUDIO"), help="time `dirfa animate` instead of `say`"
    )
    parser.add_argument("--text", default=REPLY)
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument(
        "--encoder",
        action="store_true",
        help="compare x264 motion-search settings on rendered frames instead",
    )
    parser.add_argument(
        "--frames", action="store_true", help="time each frame's render and encode, here and in the worker"
    )
    parser.add_argument(
        "--against",
        metavar="SRC",
        help="a src folder of other code (e.g. a frozen copy of HEAD's): alternate runs of it and of --src",
    )
    parser.add_argument(
        "--src", default="", help="with --against: the src folder of the new code (default: this)"
    )
    parser.add_argument("--bytecode", choices=("cached", "none"), default="cached", help=BYTECODE_HELP)
    parser.add_argument("extra", nargs="*", help="more dirfa say arguments (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dirfa-reply-") as tmpdir:
        tmp = Path(tmpdir)
        avatar = tmp / "face.avatar"
        # Prepared by the code timed (--src; an avatar records the layout of the dirfa that made it).
        prepare_env = dict(os.environ, PYTHONPATH=args.src) if args.src else None
        subprocess.run(
            [str(PYTHON), "-m", "dirfa", "prepare", str(PORTRAIT), "-o", str(avatar), "-q"],
            check=True,
            env=prepare_env,
        )
        if args.frames:
            rows = frame_timeline(avatar, args.size or 512, tmp)
            headers = [
                "what (which process, thread)",
                "calls",
                "wall ms",
                "CPU ms",
                "first starts ms",
                "last ends ms",
            ]
            print(results_md.table(headers, rows))
            if not args.no_append:
                body = f"load {results_md.START_LOAD} at start.\n\n{results_md.table(headers, rows)}\n"
                results_md.append(
                    "Render + encode per frame", body, command="benchmarks/reply_speed.py --frames"
                )
            return
        if args.encoder:
            big = tmp / "big.avatar"
            picture = tmp / "big.png"
            import cv2

            cv2.imwrite(
                str(picture),
                cv2.resize(cv2.imread(str(PORTRAIT)), (1536, 1536), interpolation=cv2.INTER_CUBIC),
            )
            subprocess.run(
                [str(PYTHON), "-m", "dirfa", "prepare", str(picture), "-o", str(big), "-q"], check=True
            )
            rows = encoder_figures(tmp, avatar, 512) + encoder_figures(tmp, big, None)
            headers = ["x264 settings, frame size", "CPU ms/frame (median of 3)", "ratio", "file", "PSNR dB"]
            print(results_md.table(headers, rows))
            if not args.no_append:
                body = (
                    "60 rendered frames (examples/portrait.jpg; the 1536 px picture is it scaled up), the jaw and head "
                    f"moving, encoded by media.video.write_video, interleaved; load {results_md.START_LOAD} at "
                    f"start.\n\n{results_md.table(headers, rows)}\n"
                )
                results_md.append("Encoder settings", body, command="benchmarks/reply_speed.py --encoder")
            return
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
        if args.bytecode == "cached":
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        if args.animate:
            # A picture and a recording (the photo prepared once by a first, untimed run, as a user's cache is).
            command = ["animate", *args.animate, "-o", str(tmp / "reply.mp4"), "-q"]
            subprocess.run([str(PYTHON), "-m", "dirfa", *command, *args.extra], check=True, env=env)
        else:
            command = ["say", str(avatar), args.text, "-o", str(tmp / "reply.mp4"), "-q"]
        command += ["--size", str(args.size)] if args.size else []
        command += args.extra
        if args.against:
            text = compare(command, env, tmp, {"old": args.against, "new": args.src}, args.runs)
            print(text)
            if not args.no_append:
                body = (
                    f"`dirfa {command[0]}` at {args.size or 'full'} px ({what_of(args)}), old code "
                    f"({args.against}) and new ({args.src or 'this tree'}) in alternating runs; load "
                    f"{results_md.START_LOAD} at start.\n\n{text}\n"
                )
                results_md.append(
                    "Reply speed, old vs new",
                    body,
                    command="benchmarks/reply_speed.py " + " ".join(sys.argv[1:]),
                )
            return
        run_once(command, tmp / "events.json", env)  # untimed: bytecode written, files in the page cache
        results = []
        for run in range(args.runs):
            wall, events = run_once(command, tmp / "events.json", env)
            results.append((wall, events))
            print(f"run {run + 1}: {wall:.2f} s wall, load {os.getloadavg()[0]:.1f}")
        wall, events = min(results, key=lambda result: result[0])
        from dirfa.media.video import probe_video

        duration_s = probe_video(tmp / "reply.mp4").duration_s
        rows = table(events, wall)
        headers = ["stage (best run)", "start ms", "end ms", "ms", "CPU ms by the end (this process)"]
        print(results_md.table(headers, rows))
        print(f"best wall {wall:.2f} s for {duration_s:.2f} s of video ({wall / duration_s:.2f} x real time)")
        what = what_of(args)
        if not args.no_append:
            body = (
                f"`dirfa {command[0]}` of {duration_s:.1f} s at {args.size or 'full'} px ({what}): best "
                f"wall {wall:.2f} s of {args.runs} ({', '.join(f'{w:.2f}' for w, _ in results)}); load "
                f"{results_md.START_LOAD} at start.\n\n{results_md.table(headers, rows)}\n"
            )
            results_md.append(
                "Reply speed timeline", body, command="benchmarks/reply_speed.py " + " ".join(sys.argv[1:])
            )


if __name__ == "__main__":
    main()
