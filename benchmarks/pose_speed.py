"""Per-frame CPU of the rig's pose, the mouth interior and the closing lids: a baseline revision's code against
the working tree's, in the same run, on the same frames (issue 15: two live 512 px sessions on two cores).

    .venv/bin/python benchmarks/pose_speed.py [PORTRAIT ...] [--baseline REV] [--frames N] [--repeats N] [--no-append]

The frames' tracks come from a tracks-only live session on pushed LibriVox speech (pocketsphinx-testdata), with
its own idle motion and blinks. The baseline's face/rig.py, render/mouth.py and render/eyelids.py are read with
`git show REV:...` (default: the commit before the speed-up) and imported beside today's. Figures are CPU
(time.process_time), old and new interleaved, best of --repeats: on a shared machine only the ratios mean much.
Also reported: the largest difference of any posed vertex (px) and of the rendered 512 px frames (levels).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import results_md

REPO = results_md.REPO
PORTRAITS = REPO.parent / "shared" / "data" / "portraits"
CLIP = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
BASELINE = "722f3a4"  # the tree before issue 15's pose, mouth and lid speed-up
FILES = {
    "rig": "src/dirfa/face/rig.py",
    "mouth": "src/dirfa/render/mouth.py",
    "eyelids": "src/dirfa/render/eyelids.py",
}
FPS = 25
SIZE = 512


def baseline_modules(rev: str, folder: Path) -> dict[str, object]:
    """The baseline's three modules, imported under their own names (baseline_rig, ...)."""
    return {name: results_md.module_at(rev, path, f"baseline_{name}", folder) for name, path in FILES.items()}


def live_curves(n_frames: int, portrait: Path) -> list[dict[str, float]]:
    """Each frame's tracks from a tracks-only live session speaking CLIP (pushed in 100 ms chunks)."""
    import dirfa
    from dirfa.live import Session

    with wave.open(str(CLIP), "rb") as src:
        pcm, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    session = Session(dirfa.prepare(portrait), render=False, fps=FPS, seed=3)
    session.wait_ready()
    step, sent, curves = rate // 10, 0, []
    for index in range(n_frames):
        while index * rate // FPS + rate // 5 >= sent * step and sent * step < pcm.size:
            session.push_audio(pcm[sent * step : (sent + 1) * step], rate)
            sent += 1
            if sent * step >= pcm.size:
                session.end_audio()
        curves.append(session.next_frame().curves)
        time.sleep(0.01)  # (lets the analysis keep ahead, as paced frames would)
    session.close()
    return curves


def _best_cpu_ms(runs: dict[str, object], repeats: int) -> dict[str, float]:
    """Best CPU ms of each callable, interleaved over `repeats` rounds."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.process_time()
            run()
            best[name] = min(best[name], 1000 * (time.process_time() - t0))
    return best


def measure(portrait: Path, curves: list[dict[str, float]], old: dict[str, object], repeats: int) -> dict:
    import dirfa
    from dirfa.render import compose, eyelids, mouth

    level, plan = dirfa.prepare(portrait).for_output(size=SIZE)
    rig = level.rig
    old_rig = old["rig"].Rig(**{f.name: getattr(rig, f.name) for f in dataclasses.fields(rig)})
    # Poses: every field of every frame's pose, old against new.
    vertex_px = 0.0
    for params in curves:
        a, b = old_rig.pose(params), rig.pose(params)
        for field in dataclasses.fields(a):
            diff = np.abs(
                np.asarray(getattr(a, field.name), float) - np.asarray(getattr(b, field.name), float)
            )
            vertex_px = max(vertex_px, float(diff.max(initial=0.0)))
    # Frames: the old pose, mouth and lids against the new, through the same renderer (warp untouched); the
    # new run keeps each draw call's inputs for the timing below.
    renderer = compose.FrameRenderer(level.portrait.image, rig, plan, level.assets)
    calls: dict[str, list] = {"mouth": [], "lids": []}

    def keeping(kind: str, draw):
        def wrapped(canvas, *args, **kwargs):
            calls[kind].append((canvas.copy(), args, kwargs))
            draw(canvas, *args, **kwargs)

        return wrapped

    draw_mouth, draw_lids = mouth.draw_mouth, eyelids.draw_lids
    frame_max, frame_sum = 0, 0.0
    for params in curves:
        compose.mouth, compose.eyelids = old["mouth"], old["eyelids"]
        try:
            before = renderer.render_pose(old_rig.pose(params))
        finally:
            compose.mouth, compose.eyelids = mouth, eyelids
        mouth.draw_mouth, eyelids.draw_lids = keeping("mouth", draw_mouth), keeping("lids", draw_lids)
        try:
            after = renderer.render_pose(rig.pose(params))
        finally:
            mouth.draw_mouth, eyelids.draw_lids = draw_mouth, draw_lids
        diff = np.abs(before.astype(np.int16) - after.astype(np.int16))
        frame_max, frame_sum = max(frame_max, int(diff.max())), frame_sum + float(diff.mean())

    def drawing(draw, kind: str):
        inputs = calls[kind]

        def run() -> None:
            for canvas, args, kwargs in inputs:
                draw(canvas.copy(), *args, **kwargs)

        return run

    def posing(pose):
        def run() -> None:
            for params in curves:
                pose(params)

        return run

    timed = _best_cpu_ms(
        {
            "pose old": posing(old_rig.pose),
            "pose new": posing(rig.pose),
            "mouth old": drawing(old["mouth"].draw_mouth, "mouth"),
            "mouth new": drawing(mouth.draw_mouth, "mouth"),
            "lids old": drawing(old["eyelids"].draw_lids, "lids"),
            "lids new": drawing(eyelids.draw_lids, "lids"),
        },
        repeats,
    )
    # (the copies of the canvases cost the same in both: measured alone and taken out)
    copies = _best_cpu_ms({kind: drawing(lambda *_, **__: None, kind) for kind in calls}, repeats)
    for kind, key in (("mouth", "mouth"), ("lids", "lids")):
        for version in ("old", "new"):
            timed[f"{key} {version}"] = max(timed[f"{key} {version}"] - copies[kind], 0.0)
    return {
        "timed": timed,
        "n": len(curves),
        "calls": {k: len(v) for k, v in calls.items()},
        "vertex_px": vertex_px,
        "frame_max": frame_max,
        "frame_mean": frame_sum / len(curves),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "portraits",
        nargs="*",
        type=Path,
        default=[
            REPO / "examples" / "portrait.jpg",
            *(PORTRAITS / n for n in ("art_3.png", "happy.png", "full3.png")),
        ],
    )
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})"
    )
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    portraits = [p for p in args.portraits if p.exists()]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        old = baseline_modules(args.baseline, Path(folder))
        curves = live_curves(args.frames, portraits[0])
        blinks = sum(max(c.get("eyeBlinkLeft", 0.0), c.get("eyeBlinkRight", 0.0)) >= 0.04 for c in curves)
        header = [
            "portrait",
            "pose ms/frame old → new",
            "mouth ms/frame old → new",
            "lids ms/drawn frame old → new",
            "all three ms/frame old → new (ratio)",
            "max vertex diff px",
            "frames: max / mean abs diff (levels)",
        ]
        rows, totals = [], []
        for portrait in portraits:
            m = measure(portrait, curves, old, args.repeats)
            t, n = m["timed"], m["n"]
            lids_calls = max(m["calls"]["lids"], 1)
            old_total = (t["pose old"] + t["mouth old"] + t["lids old"]) / n
            new_total = (t["pose new"] + t["mouth new"] + t["lids new"]) / n
            totals.append(new_total / old_total)
            rows.append(
                [
                    portrait.name,
                    f"{t['pose old'] / n:.2f} → {t['pose new'] / n:.2f} ({t['pose new'] / t['pose old']:.2f})",
                    f"{t['mouth old'] / n:.2f} → {t['mouth new'] / n:.2f} ({t['mouth new'] / t['mouth old']:.2f})",
                    f"{t['lids old'] / lids_calls:.1f} → {t['lids new'] / lids_calls:.1f} "
                    f"({t['lids new'] / max(t['lids old'], 1e-9):.2f})",
                    f"{old_total:.2f} → {new_total:.2f} ({new_total / old_total:.2f})",
                    f"{m['vertex_px']:.1e}",
                    f"{m['frame_max']} / {m['frame_mean']:.1e}",
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
    body = (
        f"{args.frames} frames at {SIZE} px ({blinks} with lids drawn) of a tracks-only live session speaking "
        f"{CLIP.name} (pushed audio), replayed through the baseline `{args.baseline}` and the working tree's "
        f"face/rig.py, render/mouth.py and render/eyelids.py. CPU per frame (process_time, best of {args.repeats}, "
        f"old and new interleaved; the mouth's and lids' over the frames that draw them). The machine was shared "
        f"with other work: the ratios are the figures. Mean ratio of the three together: "
        f"{float(np.mean(totals)):.2f}. Total {time.monotonic() - started:.0f} s.\n\n"
        + results_md.table(header, rows)
    )
    print(body)
    if not args.no_append:
        results_md.append(
            "Pose, mouth and lids per frame, old vs new (benchmarks/pose_speed.py)",
            body,
            command=" ".join(["benchmarks/pose_speed.py", *map(str, args.portraits)]),
        )


if __name__ == "__main__":
    main()
