"""How much of the rendered face's fine detail survives H.264, frame by frame, under several x264 settings.

Renders 4 s of examples/speech.wav (seed 7, natural motion) on each portrait at 512 px wide once, then encodes
the same raw frames with each candidate (media.video's settings plus extra x264 options) and prints, for the
face box: the variance of the Laplacian (finest-scale detail) of each decoded frame as a share of the raw
rendered frame's (what the encoder keeps) — mean, lowest, standard deviation and mean frame-to-frame change
(the "breathing") — the face-box PSNR, the file size and x264's CPU ms per frame, all relative to the
first candidate (write_video before session 9); candidates are encoded in alternating order, several rounds, best CPU kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import results_md

REPO = results_md.REPO
SHARED = Path("/work/shared/data/portraits")
PORTRAITS = [REPO / "examples/portrait.jpg", SHARED / "art_1.png", SHARED / "art_3.png", SHARED / "full3.png"]
TAKE_S = 4.0
WIDTH_PX = 512
FPS = 25
# Candidates: extra x264-params appended to media.video's keyint and motion search, and the CRF (None: 20).
# The first is the baseline: write_video before session 9 (veryfast's B-frames, CRF 20).
CANDIDATES = {
    "before: B-frames, CRF 20": ("", None),
    "CRF 18": ("", 18),
    "aq-mode=0": ("aq-mode=0", None),
    "qcomp=0.8": ("qcomp=0.8", None),
    "no-mbtree": ("mbtree=0", None),
    "psy-rd=1.0,0.15 deblock=-1:-1 (film)": ("psy-rd=1.0,0.15:deblock=-1,-1", None),
    "b-pyramid=none": ("b-pyramid=none", None),
    "bframes=1": ("bframes=1", None),
    "bframes=0": ("bframes=0", None),
    "bframes=0 CRF 21 (write_video now)": ("bframes=0", 21),
    "bframes=0 CRF 22": ("bframes=0", 22),
    "bframes=0 qcomp=0.8 CRF 22": ("bframes=0:qcomp=0.8", 22),
}


def render_take(path: Path, cache: Path | None) -> dict[str, np.ndarray]:
    """Raw frames of the take, the photo at the output size and the face box in output pixels."""
    file = None if cache is None else cache / f"{path.stem}.npz"
    if file is not None and file.exists():
        with np.load(file) as data:
            return dict(data)
    import dirfa

    audio = dirfa.load_audio(REPO / "examples/speech.wav")
    audio = replace(audio, samples=audio.samples[: int((TAKE_S + 0.2) * audio.sample_rate_hz)])
    portrait = dirfa.load_portrait(path)
    tracks = dirfa.animate(audio, seed=7, portrait=portrait)
    frames = []
    for frame in dirfa.frames(portrait, tracks, size=WIDTH_PX):
        frames.append(frame.image)
        if len(frames) >= round(TAKE_S * FPS):
            break
    h, w = frames[0].shape[:2]
    photo = cv2.resize(portrait.image, (w, h), interpolation=cv2.INTER_AREA)
    take = {
        "frames": np.stack(frames),
        "photo": photo,
        "box": np.asarray(portrait.face_box, float) * w / portrait.image.shape[1],
    }
    if file is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(file, **take)
    return take


def encode(frames: np.ndarray, file: Path, extra: str, crf: int | None) -> float:
    """Encode like media.video._Encoder (same preset, keyint, motion search, one thread) at `crf` (None: 20)
    with `extra` x264-params (not media.video's X264_FRAME_TYPES: candidates set their own); return x264's CPU ms per frame (process time around the encode calls)."""
    import av

    from dirfa.media import video

    keyint = max(1, round(video.KEYFRAME_EVERY_S * FPS))
    params = f"keyint={keyint}:min-keyint={min(keyint, FPS)}:{video.X264_MOTION}" + (
        f":{extra}" if extra else ""
    )
    h, w = frames.shape[1:3]
    yuv = [cv2.cvtColor(f, cv2.COLOR_RGB2YUV_I420) for f in frames]
    cpu = 0.0
    with av.open(str(file), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf or 20), "preset": video.X264_PRESET, "x264-params": params}
        stream.codec_context.thread_count = video.ENCODER_THREADS
        for i, plane in enumerate(yuv):
            frame = av.VideoFrame.from_ndarray(plane, format="yuv420p")
            frame.pts = i
            start = time.process_time()
            packets = stream.encode(frame)
            cpu += time.process_time() - start
            for packet in packets:
                out.mux(packet)
        start = time.process_time()
        packets = stream.encode(None)
        cpu += time.process_time() - start
        for packet in packets:
            out.mux(packet)
    return cpu * 1000 / len(frames)


def energy(picture: np.ndarray, box) -> float:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    grey = cv2.cvtColor(np.ascontiguousarray(picture[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def psnr(a: np.ndarray, b: np.ndarray, box) -> float:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    err = np.mean((a[y0:y1, x0:x1].astype(float) - b[y0:y1, x0:x1].astype(float)) ** 2)
    return float(10 * np.log10(255**2 / max(err, 1e-9)))


def decode(file: Path) -> np.ndarray:
    import av

    with av.open(str(file)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("portraits", nargs="*", type=Path)
    parser.add_argument(
        "--rounds", type=int, default=3, help="timing rounds, candidates alternating (best kept)"
    )
    parser.add_argument("--cache", type=Path, help="keep/reuse the rendered raw frames here (npz)")
    parser.add_argument("--only", nargs="*", help="candidate names to run (default: all)")
    parser.add_argument(
        "--png", type=Path, help="write 3x crops of the face, raw | before | each candidate, here"
    )
    parser.add_argument("--append", action="store_true", help="append the table to RESULTS.md")
    args = parser.parse_args()
    names = [n for n in CANDIDATES if args.only is None or n in args.only or n == next(iter(CANDIDATES))]
    portraits = [p for p in (args.portraits or PORTRAITS) if p.exists()]
    per: dict[str, dict[str, list]] = {n: {} for n in names}
    rows_by_portrait = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in portraits:
            take = render_take(path, args.cache)
            frames, box = take["frames"], take["box"]
            raw = np.array([energy(f, box) for f in frames])
            photo = energy(take["photo"], box)
            cpu = {n: np.inf for n in names}
            for r in range(args.rounds):
                order = names[r % len(names) :] + names[: r % len(names)]
                for n in order:
                    extra, crf = CANDIDATES[n]
                    cpu[n] = min(
                        cpu[n], encode(frames, Path(tmp) / f"{path.stem}_{len(names)}.mp4", extra, crf)
                    )
                    if r == 0:
                        (Path(tmp) / f"{path.stem}_{len(names)}.mp4").rename(
                            Path(tmp) / f"{path.stem}_{names.index(n)}.mp4"
                        )
            for k, n in enumerate(names):
                file = Path(tmp) / f"{path.stem}_{k}.mp4"
                decoded = decode(file)
                kept = np.array([energy(f, box) for f in decoded]) / raw * 100
                stats = {
                    "kept": kept,
                    "of_photo": np.array([energy(f, box) for f in decoded]) / photo * 100,
                    "psnr": np.mean([psnr(a, b, box) for a, b in zip(frames, decoded)]),
                    "bytes": file.stat().st_size,
                    "cpu": cpu[n],
                }
                per[n][path.stem] = stats
                if args.png is not None and k > 0:
                    write_crops(
                        args.png, path.stem, n, frames, decode(Path(tmp) / f"{path.stem}_0.mp4"), decoded, box
                    )
                print(
                    path.stem,
                    n,
                    f"kept {kept.mean():.0f}/{kept.min():.0f}/{kept.std():.1f}/{np.abs(np.diff(kept)).mean():.1f}",
                    f"psnr {stats['psnr']:.2f} bytes {stats['bytes']} cpu {cpu[n]:.2f}",
                    flush=True,
                )
            rows_by_portrait.append(
                [
                    path.stem,
                    f"{raw.mean() / photo * 100:.0f}",
                    f"{per[names[0]][path.stem]['of_photo'].mean():.0f}",
                    f"{per[names[0]][path.stem]['cpu']:.1f}",
                    results_md.load(),
                ]
            )
    base = per[names[0]]
    rows = []
    for n in names:
        s = per[n]
        kept = [s[p]["kept"] for p in s]
        rows.append(
            [
                n,
                f"{np.mean([s[p]['of_photo'][1:].mean() for p in s]):.0f}",
                f"{np.mean([k.mean() for k in kept]):.0f}",
                f"{np.mean([k[1:].min() for k in kept]):.0f}",
                f"{np.mean([k.std() for k in kept]):.1f}",
                f"{np.mean([np.abs(np.diff(k)).mean() for k in kept]):.1f}",
                f"{np.mean([k[0] - k[1] for k in kept]):+.0f}",
                f"{np.mean([s[p]['psnr'] - base[p]['psnr'] for p in s]):+.2f}",
                f"{np.mean([s[p]['bytes'] / base[p]['bytes'] for p in s]):.2f}",
                f"{np.mean([s[p]['cpu'] / base[p]['cpu'] for p in s]):.2f}",
            ]
        )
    tables = (
        results_md.table(
            [
                "setting",
                "% of photo",
                "kept mean %",
                "kept min %",
                "kept std",
                "frame-to-frame |Δ|",
                "I→P step",
                "face PSNR dB vs before",
                "file / before",
                "x264 CPU / before",
            ],
            rows,
        )
        + "\n\nPer portrait (before): raw render's face detail and encoded, as % of the photo's; x264 CPU ms/frame:\n\n"
        + results_md.table(
            ["portrait", "raw % of photo", "encoded % of photo", "x264 ms/frame", "load"], rows_by_portrait
        )
    )
    print(tables)
    if args.append:
        body = (
            f"{TAKE_S:.0f} s of examples/speech.wav (seed 7) rendered once per portrait at {WIDTH_PX} px wide, then "
            "encoded with media.video's settings before this change (veryfast with its B-frames, CRF 20, keyint, me=dia:subme=1, one thread) plus each "
            "candidate's x264 options. 'kept' is the face box's Laplacian variance after decoding as a % of the raw "
            "frame's, averaged over the portraits (min: lowest P frame; std and mean |Δ| between consecutive frames: "
            "the breathing; I→P step: frame 0 minus frame 1). Size, PSNR and CPU are per portrait relative to the "
            f"first row, then averaged; CPU is the best of {args.rounds} rounds, candidates alternating.\n\n"
            + tables
            + "\n"
        )
        results_md.append(
            "x264 settings for steady face detail",
            body,
            command="benchmarks/encode_detail.py " + " ".join(sys.argv[1:]),
        )


def write_crops(folder: Path, stem: str, name: str, raw, before, candidate, box) -> None:
    """Face box of three frames: raw | before | candidate, 3x nearest-neighbour zoom."""
    folder.mkdir(parents=True, exist_ok=True)
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    rows = []
    for i in (1, len(raw) // 2, len(raw) - 5):
        rows.append(np.concatenate([t[i, y0:y1, x0:x1] for t in (raw, before, candidate)], axis=1))
    sheet = cv2.resize(np.concatenate(rows, axis=0), None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    safe = "".join(c if c.isalnum() else "_" for c in name)
    cv2.imwrite(str(folder / f"{stem}_{safe}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
