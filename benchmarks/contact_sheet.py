"""Contact sheets (issue 5): every portrait rendered in ~two dozen poses, one labelled PNG per portrait.

For each portrait in a folder (default /work/shared/data/portraits, i.e. ../shared/data/portraits next to the
repo) plus examples/portrait.jpg: single frames through the API (load_portrait, build_rig, FrameRenderer with
a 384 px face crop), and per pose the number of folded skin triangles and the largest pixel change outside
the rig's outer ring (which should be 0: the background beyond the rings never moves).

    .venv/bin/python benchmarks/contact_sheet.py [FOLDER] [--out benchmarks/out] [--size 384]

Then look at the sheets: that is the point. Measures only, never fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import results_md

REPO = results_md.REPO
DEFAULT_FOLDER = REPO.parent / "shared" / "data" / "portraits"
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
COLUMNS = 6
LABEL_PX = 26
CLOSEUP_PX = 320  # tiles of the face close-up sheet
BESIDE_CLEAR_PER_FACE = (
    0.15  # background this far (face widths) from the person is out of a turned head's reach
)
STRAY_SCALE = 4.0  # a triangle's map stretching the photo more than 4x is a near-degenerate source triangle


def both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


POSES: list[tuple[str, dict[str, float]]] = [
    ("rest", {}),
    ("mouth wide (jawOpen 1)", {"jawOpen": 1.0}),
    ("aa (jawOpen .6)", {"jawOpen": 0.6}),
    ("lips shut (jaw .1 + close)", {"jawOpen": 0.1, "mouthClose": 1.0}),
    ("oo (pucker 1, jaw .15)", {"mouthPucker": 1.0, "jawOpen": 0.15}),
    ("sh (funnel .8, jaw .25)", {"mouthFunnel": 0.8, "jawOpen": 0.25}),
    ("ee (stretch .7, jaw .2)", {**both("mouthStretch", 0.7), "jawOpen": 0.2}),
    ("f (roll lower, upperUp .3)", {"mouthRollLower": 1.0, "jawOpen": 0.1, **both("mouthUpperUp", 0.3)}),
    ("blink", both("eyeBlink", 1.0)),
    ("half blink", both("eyeBlink", 0.5)),
    ("smile (+cheeks)", {**both("mouthSmile", 1.0), **both("cheekSquint", 1.0)}),
    ("sad (frown, brows in-up)", {**both("mouthFrown", 1.0), "browInnerUp": 1.0}),
    (
        "angry (brows down, squint)",
        {**both("browDown", 1.0), **both("eyeSquint", 0.6), **both("mouthFrown", 0.3)},
    ),
    (
        "surprised",
        {**both("eyeWide", 1.0), "browInnerUp": 1.0, **both("browOuterUp", 1.0), "jawOpen": 0.35},
    ),
    ("yaw +15", {"headYaw": 15.0}),
    ("yaw -15", {"headYaw": -15.0}),
    ("pitch +10 (chin up)", {"headPitch": 10.0}),
    ("pitch -10", {"headPitch": -10.0}),
    ("roll +8", {"headRoll": 8.0}),
    ("roll -8", {"headRoll": -8.0}),
    ("gaze right/up (20, 10)", {"gazeYaw": 20.0, "gazePitch": 10.0}),
    ("gaze left/down (-20,-10)", {"gazeYaw": -20.0, "gazePitch": -10.0}),
    # Within what motion.eyes produces in a normal take (aversions to +-8 deg, plus head compensation).
    ("gaze typical (8, -4)", {"gazeYaw": 8.0, "gazePitch": -4.0}),
    (
        "talking combo",
        {
            "jawOpen": 0.45,
            "mouthFunnel": 0.3,
            **both("mouthSmile", 0.3),
            "browInnerUp": 0.3,
            "headYaw": 10.0,
            "headPitch": -5.0,
            "headRoll": 4.0,
            "gazeYaw": -8.0,
            **both("eyeBlink", 0.2),
        },
    ),
]


def outer_ring_ids(rig) -> np.ndarray:
    """Vertex indices of the rig's outermost ring (the still background edge)."""
    from dirfa.face import topology as topo
    from dirfa.face.landmarks import N_LANDMARKS
    from dirfa.face.rig import RING_SCALES

    n_oval = len(topo.face_oval())
    return N_LANDMARKS + (len(RING_SCALES) - 1) * n_oval + np.arange(n_oval)


def outside_mask(shape: tuple[int, ...], ring_xy: np.ndarray, margin_px: int = 2) -> np.ndarray:
    """True for pixels more than `margin_px` outside the ring polygon."""
    inside = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(ring_xy).astype(np.int32)], 1)
    inside = cv2.dilate(inside, np.ones((2 * margin_px + 1, 2 * margin_px + 1), np.uint8))
    return inside == 0


def background_beside_head(rig, ring_xy: np.ndarray, face_px: float) -> np.ndarray:
    """True for background pixels inside the outermost ring (which the mesh stretches) that a turning head
    cannot reach: BESIDE_CLEAR_PER_FACE clear of the rig's person layer. Empty when the rig has none."""
    if rig.person is None:
        return np.zeros((1, 1), bool)
    inside = np.zeros(rig.person.shape, np.uint8)
    cv2.fillPoly(inside, [np.round(ring_xy).astype(np.int32)], 1)
    distance = cv2.distanceTransform((rig.person == 0).astype(np.uint8), cv2.DIST_L2, 3)
    clear = distance > BESIDE_CLEAR_PER_FACE * face_px
    return (inside > 0) & clear


def stray_pixels(rig, pose, shape: tuple[int, ...]) -> int:
    """Pixels the warp paints with a wild map: covered by a skin or eye triangle whose map stretches the photo
    more than STRAY_SCALE times — a smear, or (mostly) a near-degenerate source triangle whose landmarks
    almost coincide: folded_triangles and the rig's unfolding skip triangles under 0.5 px2, but
    cv2.fillConvexPoly still paints a degenerate triangle's outline, with pixels from far away: specks."""
    from dirfa.render import warp

    height, width = shape[:2]
    src = rig.points_xyz[:, :2]
    triangles = np.concatenate([rig.eye_triangles, rig.skin_triangles])
    ids = warp.rasterize_ids(pose.points_xy, [triangles], warp.Region(0, 0, width, height))
    affines = warp.triangle_affines(src, pose.points_xy, triangles)
    stretch = np.abs(affines[:, :, :2]).max(axis=(1, 2))
    return int(np.isin(ids, np.nonzero(stretch > STRAY_SCALE)[0]).sum())


def label_tile(tile: np.ndarray, text: str, warn: bool) -> np.ndarray:
    band = np.full((LABEL_PX, tile.shape[1], 3), 255, np.uint8)
    colour = (200, 0, 0) if warn else (0, 0, 0)
    cv2.putText(band, text, (6, LABEL_PX - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return np.concatenate([band, tile])


def closeup_box(image_shape: tuple[int, ...], face_box: np.ndarray) -> tuple[int, int, int, int]:
    """A square around the face, 1.4 face sizes across (for judging lips, teeth and lids)."""
    height, width = image_shape[:2]
    x0, y0, x1, y1 = (float(v) for v in face_box)
    side = min(1.4 * max(x1 - x0, y1 - y0), width, height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx = int(round(min(max(cx - side / 2, 0), width - side)))
    by = int(round(min(max(cy - side / 2, 0), height - side)))
    return bx, by, bx + int(side), by + int(side)


def crop_scale(picture: np.ndarray, box: tuple[int, int, int, int], size: int) -> np.ndarray:
    x0, y0, x1, y1 = box
    view = picture[y0:y1, x0:x1]
    interpolation = cv2.INTER_AREA if view.shape[1] > size else cv2.INTER_CUBIC
    return cv2.resize(view, (size, size), interpolation=interpolation)


def grid_of(tiles: list[np.ndarray]) -> np.ndarray:
    tiles = list(tiles)
    while len(tiles) % COLUMNS:
        tiles.append(np.full_like(tiles[0], 255))
    return np.concatenate(
        [np.concatenate(tiles[i : i + COLUMNS], axis=1) for i in range(0, len(tiles), COLUMNS)], axis=0
    )


def sheet_for(path: Path, *, size: int) -> tuple[np.ndarray, np.ndarray, list[list[object]], str]:
    """The contact sheet of one portrait (384 px crops as the video shows them), a close-up sheet of the
    face alone, its per-pose rows, and a note (face size, crop)."""
    import dirfa
    from dirfa.face.rig import build_rig
    from dirfa.render.compose import FrameRenderer, plan_output
    from dirfa.render.warp import folded_triangles

    portrait = dirfa.load_portrait(path)
    rig = build_rig(portrait)
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=True)
    renderer = FrameRenderer(portrait.image, rig, plan)
    ring = outer_ring_ids(rig)
    src_xy = rig.points_xyz[:, :2]
    outside = outside_mask(portrait.image.shape, src_xy[ring])
    beside = background_beside_head(rig, src_xy[ring], portrait.face_width_px)
    tiles = [label_tile(renderer.output(portrait.image), "photo (no warp)", False)]
    close = closeup_box(portrait.image.shape, portrait.face_box)
    closeups = [label_tile(crop_scale(portrait.image, close, CLOSEUP_PX), "photo (no warp)", False)]
    rows = []
    for name, params in POSES:
        pose = rig.pose(params)
        full = renderer.render_pose(pose)
        folds = len(folded_triangles(src_xy, pose.points_xy, rig.skin_triangles))
        eye_folds = len(folded_triangles(src_xy, pose.points_xy, rig.eye_triangles))
        strays = stray_pixels(rig, pose, portrait.image.shape)
        diff = np.abs(full.astype(np.int16) - portrait.image.astype(np.int16)).max(axis=2)
        outside_change = int(diff[outside].max()) if outside.any() else 0
        beside_moved = int((diff[beside] > 0).sum()) if beside.shape == diff.shape else -1
        ring_moved = float(np.linalg.norm(pose.points_xy[ring] - src_xy[ring], axis=1).max())
        warn = folds > 0 or eye_folds > 0 or outside_change > 0 or strays > 0 or beside_moved > 0
        tag = (
            f"{name}"
            + (f"  [{folds} fold]" if folds else "")
            + (f" [{eye_folds} eye fold]" if eye_folds else "")
            + (f" [{strays} px >4x]" if strays else "")
            + (f" [bg {outside_change}]" if outside_change else "")
            + (f" [bg beside {beside_moved} px]" if beside_moved > 0 else "")
        )
        tiles.append(label_tile(renderer.output(full), tag, warn))
        closeups.append(label_tile(crop_scale(full, close, CLOSEUP_PX), tag, warn))
        rows.append(
            [
                name,
                folds,
                eye_folds,
                strays,
                outside_change,
                beside_moved,
                f"{ring_moved:.2f}",
                f"{pose.mouth_open_px:.1f}",
            ]
        )
    h, w = portrait.image.shape[:2]
    note = (
        f"{w}x{h}, face {portrait.face_width_px:.0f} px wide, {portrait.n_faces} face(s), crop box {plan.box}, "
        f"mouth {rig.frame.mouth_px:.0f} px"
    )
    return grid_of(tiles), grid_of(closeups), rows, note


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--out", type=Path, default=results_md.BENCH_DIR / "out")
    parser.add_argument("--size", type=int, default=384, help="tile size (face crop width), default 384")
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()

    from PIL import Image

    from dirfa.errors import DirfaError

    pictures = sorted(p for p in args.folder.glob("*") if p.suffix.lower() in PICTURE_SUFFIXES)
    pictures.append(EXAMPLE_PORTRAIT)
    args.out.mkdir(parents=True, exist_ok=True)
    header = [
        "pose",
        "folded skin triangles",
        "folded eye triangles",
        "px stretched >4x",
        "max |change| outside ring",
        "background beside head moved px",
        "ring moved px",
        "mouth open px",
    ]
    summary_rows = []
    sections = []
    started = time.perf_counter()
    for picture in pictures:
        t0 = time.perf_counter()
        try:
            grid, closeups, rows, note = sheet_for(picture, size=args.size)
        except DirfaError as exc:
            print(f"\n{picture.name}: {exc}")
            sections.append(f"### {picture.name}\n\nnot rendered: {exc}\n")
            summary_rows.append([picture.name, "-", "-", "-", "-", "-", "-", str(exc)[:60]])
            continue
        out = args.out / f"{picture.stem}_sheet.png"
        Image.fromarray(grid).save(out)
        Image.fromarray(closeups).save(args.out / f"{picture.stem}_face.png")
        seconds = time.perf_counter() - t0
        table = results_md.table(header, rows)
        print(f"\n{picture.name}: {note} -> {out} ({seconds:.1f} s)\n{table}")
        folds = sum(int(r[1]) for r in rows)
        eye_folds = sum(int(r[2]) for r in rows)
        strays = sum(int(r[3]) for r in rows)
        bad = [r[0] for r in rows if int(r[1]) or int(r[2]) or int(r[3]) or int(r[4]) or int(r[5]) > 0]
        summary_rows.append(
            [
                picture.name,
                folds,
                eye_folds,
                strays,
                max(int(r[4]) for r in rows),
                max(int(r[5]) for r in rows),
                ", ".join(bad) or "none",
                note,
            ]
        )
        sections.append(f"### {picture.name}\n\n{note}\n\n{table}\n")
    summary = results_md.table(
        [
            "portrait",
            "folded skin triangles (all poses)",
            "folded eye triangles",
            "px stretched >4x",
            "max |change| outside ring",
            "background beside head moved px (-1: no person layer)",
            "poses with folds/>4x/bg change",
            "picture",
        ],
        summary_rows,
    )
    print(f"\n{summary}\n\ncontact sheets in {args.out} ({time.perf_counter() - started:.0f} s)")
    if not args.no_append:
        results_md.append(
            "Contact sheets (benchmarks/contact_sheet.py)",
            f"Tiles {args.size} px face crops (`*_sheet.png`) and {CLOSEUP_PX} px close-ups of the face alone "
            f"(`*_face.png`), written to {args.out} (not committed). Folded triangles: "
            "dirfa.render.warp.folded_triangles on rig.skin_triangles and on rig.eye_triangles; px stretched >4x: pixels "
            "painted by a skin/eye triangle whose map stretches the photo > 4x (specks, smears); "
            "change outside "
            "ring: max over RGB of "
            "|posed - photo| at full resolution, more than 2 px outside the outermost ring; background beside "
            f"head: pixels inside the outermost ring, {BESIDE_CLEAR_PER_FACE} face widths clear of the rig's person layer "
            "(selfie segmentation), that change at all (the rings stretch them; the layer keeps them).\n\n"
            + summary
            + "\n\n<details><summary>Per pose</summary>\n\n"
            + "\n".join(sections)
            + "\n</details>",
            command=" ".join(["benchmarks/contact_sheet.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
