"""Close-up sheets of mouths and closed lids (issue 14): every portrait, at output sizes 512 and 1024 px.

For each portrait (default: every picture in ../shared/data/portraits, and examples/portrait.jpg) one row of
mouth crops (rest, jawOpen .15/.3/.6/1, smile, ee, lips shut, and the rest with --close-mouth) and one row of
eye crops (eyeBlink 0, .5, .8, 1), cut from face-centred frames (`--crop`) at each --size, scaled to tiles so
that small faces show their pixels. --only keeps the portraits whose file names contain one of its words.

    .venv/bin/python benchmarks/mouth_sheet.py [FOLDER] [--out benchmarks/out] [--size 512 1024] [--only full3]

Writes PNGs to look at with an image viewer at zoom; measures nothing, never fails.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import results_md

REPO = results_md.REPO
DEFAULT_FOLDER = REPO.parent / "shared" / "data" / "portraits"
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"
TILE_PX = 320

MOUTH_POSES: list[tuple[str, dict[str, float]]] = [
    ("rest", {}),
    ("jaw .15", {"jawOpen": 0.15}),
    ("jaw .3", {"jawOpen": 0.3}),
    ("jaw .6", {"jawOpen": 0.6}),
    ("jaw 1", {"jawOpen": 1.0}),
    ("smile + jaw .4", {"jawOpen": 0.4, "mouthSmileLeft": 0.8, "mouthSmileRight": 0.8}),
    ("ee", {"jawOpen": 0.2, "mouthStretchLeft": 0.7, "mouthStretchRight": 0.7}),
    ("lips shut", {"mouthClose": 1.0, "jawOpen": 0.06}),
]
LID_POSES = [("blink 0", 0.0), ("blink .5", 0.5), ("blink .8", 0.8), ("blink 1", 1.0)]


def _tile(image: np.ndarray, centre_xy: np.ndarray, half_w: float, aspect: float, label: str) -> np.ndarray:
    """A labelled crop of `image` around centre_xy, 2 * half_w wide, scaled to TILE_PX wide."""
    x0, x1 = int(centre_xy[0] - half_w), int(centre_xy[0] + half_w)
    y0, y1 = int(centre_xy[1] - half_w * aspect), int(centre_xy[1] + half_w * aspect)
    h, w = image.shape[:2]
    crop = image[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]
    small = crop.shape[1] < TILE_PX // 2  # show a small face's pixels, not a blur of them
    height = max(int(TILE_PX * crop.shape[0] / max(crop.shape[1], 1)), 1)
    crop = cv2.resize(crop, (TILE_PX, height), interpolation=cv2.INTER_NEAREST if small else cv2.INTER_AREA)
    crop = np.pad(crop, ((22, 0), (0, 4), (0, 0)), constant_values=255)
    cv2.putText(crop, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return crop


def _row(tiles: list[np.ndarray]) -> np.ndarray:
    h = max(t.shape[0] for t in tiles)
    return np.concatenate(
        [np.pad(t, ((0, h - t.shape[0]), (0, 0), (0, 0)), constant_values=255) for t in tiles], 1
    )


def rows_for(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The mouth row and the lid row of one portrait at output width `size`."""
    import dirfa
    from dirfa.face.rig import build_rig
    from dirfa.render.compose import FrameRenderer, plan_output

    portrait = dirfa.load_portrait(path)
    rig = build_rig(portrait)
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=True)
    renderer = FrameRenderer(portrait.image, rig, plan)
    xy = portrait.landmarks_xyz[:, :2]
    box = np.asarray(plan.box[:2], np.float64)
    mouth_tiles, lid_tiles = [], []
    shut = FrameRenderer(portrait.image, rig.closed_at_rest(), plan)
    for label, params, which in [(*pose, renderer) for pose in MOUTH_POSES] + [("--close-mouth", {}, shut)]:
        frame = which.render(params)
        scale = frame.shape[1] / (plan.box[2] - plan.box[0])
        centre = (xy[[61, 291, 13, 14]].mean(axis=0) - box) * scale
        width = float(np.linalg.norm(xy[61] - xy[291])) * scale
        name = f"{path.name[:14]} {size}: {label} ({width:.0f} px mouth)"
        mouth_tiles.append(_tile(frame, centre, max(0.9 * width, 24), 0.8, name))
    for label, blink in LID_POSES:
        frame = renderer.render({"eyeBlinkLeft": blink, "eyeBlinkRight": blink})
        scale = frame.shape[1] / (plan.box[2] - plan.box[0])
        centre = (xy[[33, 263]].mean(axis=0) - box) * scale
        width = float(np.linalg.norm(xy[33] - xy[263])) * scale
        lid_tiles.append(
            _tile(frame, centre, max(0.75 * width, 24), 0.35, f"{path.name[:14]} {size}: {label}")
        )
    return _row(mouth_tiles), _row(lid_tiles)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--out", type=Path, default=results_md.BENCH_DIR / "out")
    parser.add_argument("--size", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--only", nargs="+", metavar="WORD", help="portraits whose names contain a WORD")
    args = parser.parse_args()
    pictures = sorted(p for p in args.folder.glob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    pictures.append(EXAMPLE_PORTRAIT)
    if args.only:
        pictures = [p for p in pictures if any(word in p.name for word in args.only)]
    args.out.mkdir(parents=True, exist_ok=True)
    for size in args.size:
        mouths, lids = [], []
        for path in pictures:
            mouth_row, lid_row = rows_for(path, size)
            mouths.append(mouth_row)
            lids.append(lid_row)
        for name, rows in (("mouths", mouths), ("lids", lids)):
            width = max(r.shape[1] for r in rows)
            sheet = np.concatenate(
                [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
            )
            out = args.out / f"{name}_{size}.png"
            cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
            print(f"wrote {out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
