"""How much of the photo's finest detail a moving head keeps: this tree's warp.py against a git
revision's, in one process.

For each portrait, renders the rest pose and a few head poses at the photo's own resolution and prints the
high-frequency energy (variance of the Laplacian of the grey picture, the finest scale: eyelashes, pores,
hair strands) of the face box, the eyes, the mouth and the hair above the forehead as a share of the
photo's, before and after H.264 encoding (media.video.write_video, its default CRF), and the CPU ms per
frame of FrameRenderer.render_pose, old and new interleaved.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import results_md

REPO = results_md.REPO
SHARED = Path("/work/shared/data/portraits")
# Head poses (degrees): small, medium and large turns; sub-pixel to several-pixel moves of the face.
POSES = {
    "rest": {},
    "yaw 1 pitch 0.5": {"headYaw": 1.0, "headPitch": 0.5},
    "yaw 3 pitch 2": {"headYaw": 3.0, "headPitch": 2.0},
    "yaw -6 pitch -3 roll 2": {"headYaw": -6.0, "headPitch": -3.0, "headRoll": 2.0},
}
REPEATS_PER_FRAME = 3  # each picture is encoded this many times in a row; the middle one is measured
TAKE_FRAMES = 75  # frames of the real take (examples/speech.wav, natural head motion): 3 s


def old_modules(rev: str, folder: Path):
    """This tree's compose.py using warp.py as it was at `rev` (git show: read-only): only the warp differs,
    whatever else others have changed in compose.py."""
    old_warp = results_md.module_at(rev, "src/dirfa/render/warp.py", "old_render_warp", folder)
    file = folder / "old_render_compose.py"
    file.write_bytes((REPO / "src/dirfa/render/compose.py").read_bytes())
    spec = importlib.util.spec_from_file_location("old_render_compose", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_render_compose"] = module  # (dataclasses look their module up while the class is made)
    spec.loader.exec_module(module)
    module.warp = old_warp
    return module


def regions(portrait) -> dict[str, tuple[int, int, int, int]]:
    """Pixel boxes (x0, y0, x1, y1) of the face, the eyes, the mouth and the hair above the forehead."""
    from dirfa.face import topology as topo

    h, w = portrait.image.shape[:2]
    xy = portrait.landmarks_xyz[:, :2]
    x0, y0, x1, y1 = (float(v) for v in portrait.face_box)
    fw, fh = x1 - x0, y1 - y0

    def box(points: np.ndarray, pad: float) -> tuple[int, int, int, int]:
        lo, hi = points.min(axis=0) - pad, points.max(axis=0) + pad
        return (max(int(lo[0]), 0), max(int(lo[1]), 0), min(int(hi[0]) + 1, w), min(int(hi[1]) + 1, h))

    eyes = list(topo.EYE_RIGHT_UPPER + topo.EYE_RIGHT_LOWER + topo.EYE_LEFT_UPPER + topo.EYE_LEFT_LOWER)
    lips = list(topo.LIP_UPPER_OUTER + topo.LIP_LOWER_OUTER)
    hair = np.array([[x0 - 0.1 * fw, y0 - 0.35 * fh], [x1 + 0.1 * fw, y0 + 0.05 * fh]])
    return {
        "face": box(np.array([[x0, y0], [x1, y1]]), 0),
        "eyes": box(xy[eyes], 0.08 * fw),
        "mouth": box(xy[lips], 0.05 * fw),
        "hair": box(hair, 0),
    }


def energy(picture: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian of the grey picture inside `box`."""
    x0, y0, x1, y1 = box
    grey = cv2.cvtColor(np.ascontiguousarray(picture[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def encoded(pictures: list[np.ndarray], folder: Path, name: str, repeats: int = REPEATS_PER_FRAME) -> list:
    """`pictures` after an H.264 round trip through write_video (each shown `repeats` times in a row, the
    middle one returned)."""
    import av

    from dirfa.media.video import write_video

    h, w = pictures[0].shape[:2]
    frames = [p[: h - h % 2, : w - w % 2] for p in pictures for _ in range(repeats)]
    path = folder / f"{name}.mp4"
    write_video(path, iter(frames), fps=25, audio_source=None)
    with av.open(str(path)) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return [decoded[i * repeats + repeats // 2] for i in range(len(pictures))]


def head_poses(rig, frames: int) -> list:
    """The head angles (only: no mouth, blinks or gaze, which change the face's detail themselves) of the
    first `frames` frames of examples/speech.wav animated with natural head motion, seed 7."""
    import dirfa

    audio = dirfa.load_audio(REPO / "examples/speech.wav")
    text = (REPO / "examples/speech.txt").read_text()
    tracks = dirfa.animate(audio, text=text, head_motion=1.0, seed=7)
    head = {k: v for k, v in tracks.curves.items() if k in ("headYaw", "headPitch", "headRoll")}
    return [rig.pose({k: float(v[i]) for k, v in head.items()}) for i in range(min(frames, tracks.n_frames))]


def take(image, poses: list, box, renderers: dict, folder: Path) -> list[str]:
    """Face-box energy over a take's head motion (head_poses): mean, lowest and spread (standard deviation:
    the "breathing") of the share of the photo's, raw and encoded, old -> new."""
    photo = energy(image, box)
    cells = []
    for label, renderer in renderers.items():
        frames = [renderer.render_pose(p) for p in poses]
        raw = np.array([energy(f, box) for f in frames]) / photo * 100
        enc = np.array([energy(f, box) for f in encoded(frames, folder, f"take_{label}", 1)]) / photo * 100
        cells.append((raw, enc))
    return [
        f"{a.mean():.0f} / {a.min():.0f} / {a.std():.1f} -> {b.mean():.0f} / {b.min():.0f} / {b.std():.1f}"
        for a, b in ((cells[0][0], cells[1][0]), (cells[0][1], cells[1][1]))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("portraits", nargs="*", type=Path)
    parser.add_argument("--old-rev", default="HEAD", help="git revision whose warp.py is 'old'")
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds (best kept)")
    parser.add_argument("--png", type=Path, help="write photo | old | new crops (3x) of each pose here")
    parser.add_argument("--append", action="store_true", help="append the tables to RESULTS.md")
    args = parser.parse_args()
    portraits = args.portraits or [REPO / "examples/portrait.jpg"] + sorted(SHARED.glob("*.png"))
    portraits = [p for p in portraits if p.exists()]

    import dirfa
    from dirfa.face.rig import build_rig
    from dirfa.render import compose as new_compose

    energy_rows, cost_rows, take_rows = [], [], []
    totals: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        old_compose = old_modules(args.old_rev, Path(tmp))
        for path in portraits:
            portrait = dirfa.load_portrait(path)
            rig = build_rig(portrait)
            image = portrait.image
            plan = new_compose.plan_output(image.shape, portrait.face_box, size=image.shape[1], crop=False)
            renderers = {
                label: module.FrameRenderer(image, rig, plan)
                for label, module in (("old", old_compose), ("new", new_compose))
            }
            poses = {name: rig.pose(params) for name, params in POSES.items()}
            frames = {label: [r.render_pose(p) for p in poses.values()] for label, r in renderers.items()}
            boxes = regions(portrait)
            coded = {label: encoded([image] + f, Path(tmp), label) for label, f in frames.items()}
            for k, pose_name in enumerate(poses):
                row = [f"{path.stem}", pose_name]
                for region, box in boxes.items():
                    photo, photo_coded = energy(image, box), energy(coded["old"][0], box)
                    cells = []
                    for label in ("old", "new"):
                        raw = 100 * energy(frames[label][k], box) / photo
                        enc = 100 * energy(coded[label][k + 1], box) / photo
                        cells.append(f"{raw:.0f}/{enc:.0f}")
                        if pose_name != "rest":
                            totals.setdefault((label, region, "raw"), []).append(raw)
                            totals.setdefault((label, region, "enc"), []).append(enc)
                    row.append(f"{cells[0]} -> {cells[1]}")
                    if k == 0:
                        totals.setdefault(("photo", region, "enc"), []).append(100 * photo_coded / photo)
                energy_rows.append(row)
                print(row, flush=True)
            if args.png is not None:
                write_crops(args.png, path.stem, image, frames, list(poses), boxes)
            # Render cost over the take's poses, old and new alternating, best of the rounds.
            take_poses = head_poses(rig, TAKE_FRAMES)
            best = {label: np.inf for label in renderers}
            for _ in range(args.repeats):
                for label, renderer in renderers.items():
                    start = time.process_time()
                    for pose in take_poses:
                        renderer.render_pose(pose)
                    best[label] = min(best[label], (time.process_time() - start) * 1000 / len(take_poses))
            cost_rows.append(
                [
                    f"{path.stem} ({image.shape[1]} x {image.shape[0]})",
                    f"{best['old']:.1f}",
                    f"{best['new']:.1f}",
                    f"{best['new'] / best['old']:.2f}",
                    results_md.load(),
                ]
            )
            print(cost_rows[-1], flush=True)
            take_rows.append([path.stem, *take(image, take_poses, boxes["face"], renderers, Path(tmp))])
            print(take_rows[-1], flush=True)
    summary = [
        [region]
        + [
            f"{np.mean(totals[(label, region, kind)]):.0f} %"
            for label in ("old", "new")
            for kind in ("raw", "enc")
        ]
        + [f"{np.mean(totals[('photo', region, 'enc')]):.0f} %"]
        for region in ("face", "eyes", "mouth", "hair")
    ]
    tables = (
        "Laplacian energy as a share of the photo's, raw/encoded, old -> new:\n\n"
        + results_md.table(
            ["portrait", "pose", *(f"{r} %" for r in ("face", "eyes", "mouth", "hair"))], energy_rows
        )
        + "\n\nMean over the portraits and the three moving poses:\n\n"
        + results_md.table(
            ["region", "old raw", "old encoded", "new raw", "new encoded", "photo itself encoded"], summary
        )
        + f"\n\nFace box over a take: the head angles of {TAKE_FRAMES} frames of examples/speech.wav (head motion 1, seed 7): "
        + "share of the photo's energy, mean / lowest / standard deviation over the frames, old -> new:\n\n"
        + results_md.table(["portrait", "raw", "encoded"], take_rows)
        + "\n\nCPU ms per frame of render_pose over the take (best of the rounds, old and new interleaved):\n\n"
        + results_md.table(["portrait (picture)", "old ms", "new ms", "new / old", "load"], cost_rows)
    )
    print(tables)
    if args.append:
        body = (
            f"Old: warp.py at {args.old_rev} (with this tree's compose.py); new: this tree. Each portrait at its own resolution "
            "(no output scaling); 'encoded' is after write_video's H.264 at its default CRF.\n\n"
            + tables
            + "\n"
        )
        results_md.append(
            "Sharpness of the moving face (issue 14)",
            body,
            command="benchmarks/sharpness.py " + " ".join(sys.argv[1:]),
        )


def write_crops(folder: Path, stem: str, image, frames, pose_names, boxes) -> None:
    """Per region: photo | old | new of each pose, 3x nearest-neighbour zoom, one PNG per region."""
    folder.mkdir(parents=True, exist_ok=True)
    for region, (x0, y0, x1, y1) in boxes.items():
        rows = []
        for k in range(len(pose_names)):
            tiles = [image, frames["old"][k], frames["new"][k]]
            rows.append(np.concatenate([t[y0:y1, x0:x1] for t in tiles], axis=1))
        sheet = cv2.resize(np.concatenate(rows, axis=0), None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(str(folder / f"{stem}_{region}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
