"""Render cost per frame, this tree's warp.py/compose.py against a git revision's, in one process.

Prints CPU ms/frame (best of --repeats, old and new interleaved) of FrameRenderer.render_pose, split into the
warp + remap + compose part and the mouth/lids drawing, and how much the frames differ.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import results_md

REPO = results_md.REPO
SHARED = Path("/work/shared/data/portraits")
DEFAULT_PORTRAITS = [REPO / "examples/portrait.jpg"] + [
    SHARED / n for n in ("art_3.png", "full3.png", "happy.png")
]


def old_modules(rev: str, folder: Path) -> ModuleType:
    """compose.py and warp.py as they were at `rev` (git show: read-only), the old compose using the old warp."""
    old_warp = results_md.module_at(rev, "src/dirfa/render/warp.py", "old_render_warp", folder)
    old_compose = results_md.module_at(rev, "src/dirfa/render/compose.py", "old_render_compose", folder)
    old_compose.warp = old_warp
    return old_compose


def poses_for(avatar, frames: int, size: int) -> tuple[object, list]:
    """The level rendered at `size` and `frames` poses of examples/speech.wav with lively head motion."""
    import dirfa
    from dirfa.api import steady_mouth

    level, plan = avatar.for_output(size=size)
    audio = dirfa.load_audio(REPO / "examples/speech.wav")
    text = (REPO / "examples/speech.txt").read_text()
    tracks = dirfa.animate(audio, text=text, head_motion=2.0, seed=7, portrait=avatar)
    curves = steady_mouth(level.rig, tracks.curves)
    n = min(frames, tracks.n_frames)
    return (level, plan), [level.rig.pose({k: float(v[i]) for k, v in curves.items()}) for i in range(n)]


class Drawing:
    """CPU time spent in mouth.draw_mouth and eyelids.draw_lids (not this benchmark's subject)."""

    def __init__(self) -> None:
        from dirfa.render import eyelids, mouth

        self.seconds = 0.0
        for module, name in ((mouth, "draw_mouth"), (eyelids, "draw_lids")):
            setattr(module, name, self._timed(getattr(module, name)))

    def _timed(self, f):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("portraits", nargs="*", type=Path)
    parser.add_argument("--old-rev", default="HEAD", help="git revision whose warp.py/compose.py are 'old'")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--png", type=Path, help="write old | new | difference crops of the worst frame here")
    parser.add_argument("--append", action="store_true", help="append the tables to RESULTS.md")
    args = parser.parse_args()
    portraits = args.portraits or [p for p in DEFAULT_PORTRAITS if p.exists()]

    import dirfa
    from dirfa.render import compose as new_compose

    drawing = Drawing()
    speed_rows, diff_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        old_compose = old_modules(args.old_rev, Path(tmp))
        for path in portraits:
            avatar = dirfa.open_avatar(path)
            (level, plan), poses = poses_for(avatar, args.frames, args.size)
            image = level.portrait.image
            renderers = {
                label: module.FrameRenderer(image, level.rig, plan, level.assets)
                for label, module in (("old", old_compose), ("new", new_compose))
            }
            best = {label: (np.inf, np.inf) for label in renderers}
            for _ in range(args.repeats):
                for label, renderer in renderers.items():
                    drawing.seconds = 0.0
                    start = time.process_time()
                    for pose in poses:
                        renderer.render_pose(pose)
                    total = (time.process_time() - start) * 1000 / len(poses)
                    drawn = drawing.seconds * 1000 / len(poses)
                    if total - drawn < best[label][0]:
                        best[label] = (total - drawn, total)
            (old_own, old_total), (new_own, new_total) = best["old"], best["new"]
            name = f"{path.name} ({image.shape[1]} x {image.shape[0]})"
            speed_rows.append(
                [
                    name,
                    f"{old_own:.1f}",
                    f"{new_own:.1f}",
                    f"{new_own / old_own:.2f}",
                    f"{old_total:.1f}",
                    f"{new_total:.1f}",
                    f"{new_total / old_total:.2f}",
                    results_md.load(),
                ]
            )
            diffs, face_max, worst = [], 0, (-1, 0)
            for index, pose in enumerate(poses):
                old = renderers["old"].render_pose(pose).astype(np.int16)
                new = renderers["new"].render_pose(pose).astype(np.int16)
                d = np.abs(old - new).max(axis=2)
                box = new_compose.sharp_boxes(level.rig, pose, image.shape[1], image.shape[0])[0]
                face_max = max(face_max, int(d[box.slices].max()))
                diffs.append(d)
                if d.max() > worst[1]:
                    worst = (index, int(d.max()))
            every = np.stack(diffs)
            diff_rows.append(
                [
                    path.stem,
                    int(every.max()),
                    f"{every.mean():.4f}",
                    int(np.percentile(every, 99.9)),
                    f"{100 * (every > 2).mean():.3f} %",
                    face_max,
                ]
            )
            if args.png is not None and worst[0] >= 0:
                write_crops(args.png / f"{path.stem}_{worst[0]}.png", renderers, poses[worst[0]])
            print(speed_rows[-1], diff_rows[-1], flush=True)
    speed = results_md.table(
        [
            "portrait (picture rendered)",
            "old warp+remap+compose ms",
            "new",
            "new / old",
            "old whole frame ms",
            "new",
            "new / old",
            "load",
        ],
        speed_rows,
    )
    diff = results_md.table(
        ["portrait", "max abs diff", "mean", "99.9th pct", "pixels > 2 levels", "max in the face box"],
        diff_rows,
    )
    print(speed)
    print(diff)
    if args.append:
        body = (
            f"CPU ms/frame of FrameRenderer.render_pose over {args.frames} poses of examples/speech.wav (head motion 2, "
            f"seed 7) at {args.size} px, best of {args.repeats}, old (warp.py/compose.py at {args.old_rev}) and new "
            "interleaved in one process; 'warp+remap+compose' is the frame less the mouth and lid drawing.\n\n"
            f"{speed}\n\nFrames, new against old (all channels, every frame):\n\n{diff}\n"
        )
        results_md.append(
            "Render speed, warp and composite (issue 15)",
            body,
            command="benchmarks/render_speed.py " + " ".join(sys.argv[1:]),
        )


def write_crops(path: Path, renderers: dict, pose) -> None:
    """old | new | difference x 4 around the largest difference, each zoomed 4x."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    old, new = (r.render_pose(pose) for r in renderers.values())
    d = np.abs(old.astype(np.int16) - new).max(axis=2)
    cy, cx = np.unravel_index(int(d.argmax()), d.shape)
    y0, x0 = max(cy - 24, 0), max(cx - 24, 0)

    def crop(picture: np.ndarray) -> np.ndarray:
        return cv2.resize(
            picture[y0 : cy + 24, x0 : cx + 24], None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST
        )

    heat = np.dstack([np.clip(d * 4, 0, 255).astype(np.uint8)] * 3)
    sheet = np.concatenate([crop(old), crop(new), crop(heat)], axis=1)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
