"""One-frame mouth and teeth states on the live path (live.steady.SteadyMouth), per portrait: the tracks dirfa
makes of the five LibriVox clips (pocketsphinx-testdata; English and language-independent paths) replayed frame
by frame as a live session renders them, with one frame of look-ahead and with none (the queue run dry).

    .venv/bin/python benchmarks/live_steady.py [PORTRAIT ...] [--no-append]

Counts states lasting a single frame (bounds of api.LIP_GAP_STATES, on the posed rig) in the raw tracks and
in what SteadyMouth hands the renderer, and the poses it costs beyond the one the renderer needs anyway.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import results_md

REPO = results_md.REPO
PORTRAITS = REPO.parent / "shared" / "data" / "portraits"
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
FPS = 25


def _singles(values: np.ndarray, low: float, high: float) -> int:
    state, current = np.zeros(len(values), np.int8), 0
    for i, value in enumerate(values):
        current = -1 if value <= low else (1 if value >= high else current)
        state[i] = current
    return int(np.sum((state[1:-1] != 0) & (state[:-2] == -state[1:-1]) & (state[2:] == -state[1:-1])))


class _Counting:
    """A rig that counts its poses (SteadyMouth reads .frame and calls .pose)."""

    def __init__(self, rig) -> None:
        self.rig, self.frame, self.poses = rig, rig.frame, 0

    def pose(self, params):
        self.poses += 1
        return self.rig.pose(params)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("portraits", nargs="*", type=Path)
    parser.add_argument("--no-append", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    import dirfa
    from dirfa.api import LIP_GAP_STATES
    from dirfa.face.rig import build_rig
    from dirfa.live.steady import SteadyMouth

    portraits = args.portraits or sorted(PORTRAITS.glob("*.png")) + [REPO / "examples" / "portrait.jpg"]
    started = time.monotonic()
    takes = []
    for path in sorted(LIBRIVOX.glob("*.wav")):
        audio = dirfa.load_audio(path)
        for language in ("en", "zz"):  # the English path and the language-independent one
            tracks = dirfa.animate(audio, fps=FPS, seed=0, language=language)
            takes.append([{k: float(v[i]) for k, v in tracks.curves.items()} for i in range(tracks.n_frames)])
    rows = []
    for path in portraits:
        rig = build_rig(dirfa.load_portrait(path))
        width, rest = rig.frame.mouth_px, rig.pose({}).mouth_open_px
        counting = _Counting(rig)
        raw = [0, 0]
        fixed = {"look-ahead 1": [0, 0], "none": [0, 0]}
        extra = {"look-ahead 1": 0, "none": 0}
        frames = 0
        for take in takes:
            gaps = np.array([(rig.pose(f).mouth_open_px - rest) / width for f in take])
            for k, bounds in enumerate(LIP_GAP_STATES):
                raw[k] += _singles(gaps, *bounds)
            frames += len(take)
            for mode in fixed:
                steady, shown = SteadyMouth(counting), []
                counting.poses = 0
                for i, f in enumerate(take):
                    ahead = take[i + 1] if mode != "none" and i + 1 < len(take) else None
                    _, pose = steady.step(f, ahead)
                    shown.append((pose.mouth_open_px - rest) / width)
                extra[mode] += counting.poses - len(take)
                for k, bounds in enumerate(LIP_GAP_STATES):
                    fixed[mode][k] += _singles(np.array(shown), *bounds)
        rows.append(
            [
                path.name,
                f"{rest / width:.3f}",
                f"{raw[0]} / {raw[1]}",
                f"{fixed['look-ahead 1'][0]} / {fixed['look-ahead 1'][1]}",
                f"{fixed['none'][0]} / {fixed['none'][1]}",
                f"{100 * extra['look-ahead 1'] / frames:.1f}",
                frames,
            ]
        )
        print(*rows[-1], sep="  ", flush=True)
    header = [
        "portrait",
        "rest gap (mouth widths)",
        "raw tracks: 1-frame mouth / teeth",
        "SteadyMouth, 1 frame look-ahead",
        "SteadyMouth, no look-ahead",
        "extra poses per 100 frames",
        "frames",
    ]
    body = (
        "The tracks `dirfa.animate` makes of the five LibriVox clips (English path and language-independent "
        "path, seed 0), replayed frame by frame through live.steady.SteadyMouth as a live session renders "
        "them. One-frame states: lips closed/open and teeth hidden/shown on the posed rig's inner-lip gap "
        f"above rest (api.LIP_GAP_STATES {LIP_GAP_STATES} mouth widths, with hysteresis). Extra poses: rig "
        "poses beyond the one per frame the renderer makes anyway (each ~1.5 ms). "
        f"Total {time.monotonic() - started:.0f} s.\n\n" + results_md.table(header, rows)
    )
    print(body)
    if not args.no_append:
        results_md.append(
            "One-frame states on the live path (benchmarks/live_steady.py)",
            body,
            command=" ".join(["benchmarks/live_steady.py", *map(str, args.portraits)]),
        )


if __name__ == "__main__":
    main()
