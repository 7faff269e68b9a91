"""Live pacing under injected stalls: late frames of a paced 512 px session with and without the render-ahead,
and what the render-ahead costs in the paced stream's latencies (first frame after say()/pushed audio, interrupt).

Deterministic stalls stand in for a busy machine: a frame takes a 512 px render's time to make (slept, not
spent) and, once a second, the renderer loses 60 or 120 ms more (as when the other session or festival has
the CPU); with and without frames rendered ahead in the same run, so the late frames do not depend on the
machine's load. The latencies are measured on real 512 px sessions (they do depend on it). Usage: .venv/bin/python benchmarks/live_pacing.py [--seconds 10] [--trials 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_md  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FPS = 25
TEXT = (
    "Good morning, and welcome to the show. Today we talk about small computers and what they can do. "
    "A face that speaks needs lips that move with the words. None of that needs a graphics card. "
    "We will look at the voice, the face and the timing, and at what it takes to keep them together."
)
CLIP = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
# A 512 px frame's render time on the quiet 2-core machine (~17 ms CPU a frame, benchmarks/RESULTS.md, live
# capacity), slept rather than spent, so the figures do not depend on the machine's load.
RENDER_S = 0.017
STALLS_S = (
    0.06,
    0.12,
)  # one stall a second: the worst late frame measured on the quiet machine, and twice it


def late_figures(avatar, ahead: int, stall_s: float, seconds: float) -> dict:
    """A tracks-only session whose every frame takes RENDER_S to make and, once a second, stall_s more
    (sleeping: the renderer losing the CPU to the other session or festival), saying TEXT, paced (frames())."""
    from dirfa.live import Session
    from dirfa.live import session as session_mod

    session_mod.RENDER_AHEAD_FRAMES = ahead
    with Session(avatar, render=False, fps=FPS) as s:
        s.wait_ready()
        s.next_frame()
        make, count = s._make, [0]

        def slow(*, ahead: bool):
            made = make(ahead=ahead)
            if made is not None:
                count[0] += 1
                time.sleep(RENDER_S + (stall_s if count[0] % FPS == 0 else 0.0))
            return made

        s._make = slow
        s.say(TEXT)
        late, started, first, speaking = [], None, None, 0
        for frame in s.frames():
            now = time.perf_counter()
            if started is None:
                started, first = now, frame.index
            late.append(now - (started + (frame.index - first) / FPS))
            speaking += frame.speaking
            if len(late) >= seconds * FPS:
                break
        late_ms = 1000 * np.array(late)
        figures = {
            "late": int((late_ms > 1000 / FPS).sum()),
            "late_half": s.late_frames,
            "worst_ms": float(late_ms.max()),
            "frames": len(late),
            "speaking": speaking,
        }
    # The wrapped _make ties the closed session in a reference cycle: collected now, not by a collection in the
    # middle of the next run (one such took 260 ms: a stall of every thread, which no frame ahead can absorb).
    gc.collect()
    return figures


def latency_figures(avatar, ahead: int, trials: int) -> dict:
    """Paced (frames()) latencies: say() and a burst of pushed chunks at a random moment of an idle stream to
    the first frame with sound; interrupt() at a random moment of speech to the first silent frame at rest."""
    from dirfa.live import Session
    from dirfa.live import session as session_mod

    session_mod.RENDER_AHEAD_FRAMES = ahead
    with wave.open(str(CLIP), "rb") as src:
        pcm, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    rng = random.Random(1)
    out: dict[str, list[float]] = {"say": [], "burst": [], "interrupt": [], "stale": []}
    with Session(avatar, size=512, fps=FPS) as s:
        s.wait_ready()
        frames = s.frames()
        for _ in range(5):
            next(frames)
        for _ in range(trials):
            for kind in ("say", "burst"):
                for _ in range(int(FPS * 0.4)):  # idle a while
                    next(frames)
                time.sleep(rng.uniform(0.0, 1.0 / FPS))  # a random moment of the frame period
                t0 = time.perf_counter()
                if kind == "say":
                    s.say(TEXT)
                else:
                    for lo in range(0, rate, rate // 10):
                        s.push_audio(pcm[lo : lo + rate // 10], rate)
                    s.end_audio()
                for frame in frames:
                    if frame.audio.any():
                        out[kind].append(time.perf_counter() - t0)
                        break
                for _ in range(12):  # speaking, with frames made ahead
                    next(frames)
                fired = {}

                def interrupt(fired: dict = fired) -> None:
                    fired["t"] = time.perf_counter()
                    s.interrupt()

                threading.Timer(rng.uniform(0.0, 1.0 / FPS), interrupt).start()
                stale = 0
                for frame in frames:
                    if "t" not in fired:
                        continue
                    if frame.audio.any():
                        stale += 1
                    elif frame.curves["jawOpen"] < 0.02:
                        out["interrupt"].append(time.perf_counter() - fired["t"])
                        break
                out["stale"].append(stale)
        frames.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each stall run")
    parser.add_argument("--trials", type=int, default=5, help="say/burst/interrupt trials per setting")
    parser.add_argument("--skip", nargs="*", default=[], help="parts to skip: stalls latency")
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()
    import dirfa

    avatar = dirfa.prepare(ROOT / "examples" / "portrait.jpg")
    body = []
    if "stalls" not in args.skip:
        body.append(stall_table(avatar, args.seconds))
        print(body[-1], flush=True)
    if "latency" not in args.skip:
        body.append(latency_table(avatar, args.trials))
        print(body[-1], flush=True)
    if not args.no_append:
        note = f"Measured while other work shared the 2 cores (load {results_md.START_LOAD} at start)."
        results_md.append(
            "Live pacing: frames rendered ahead",
            note + "\n\n" + "\n\n".join(body),
            command="benchmarks/live_pacing.py " + " ".join(sys.argv[1:]),
        )


def stall_table(avatar, seconds: float) -> str:
    rows = []
    for stall_s in STALLS_S:
        for ahead in (0, 3):
            r = late_figures(avatar, ahead, stall_s, seconds)
            rows.append(
                [
                    f"{stall_s * 1000:.0f} ms",
                    ahead,
                    f"{r['frames']} ({r['speaking']} speaking)",
                    r["late"],
                    r["late_half"],
                    f"{r['worst_ms']:.0f}",
                ]
            )
    header = [
        "stall a second",
        "frames ahead",
        "frames",
        "late > 1 frame",
        "late > 1/2 frame",
        "worst late ms",
    ]
    return (
        f"Paced tracks-only session saying text, each frame made in {RENDER_S * 1000:.0f} ms (slept: a 512 px "
        "render's time on the quiet machine) plus one stall a second:\n\n" + results_md.table(header, rows)
    )


def latency_table(avatar, trials: int) -> str:
    rows = []
    for ahead in (0, 3):
        r = latency_figures(avatar, ahead, trials)
        med = statistics.median
        rows.append(
            [
                ahead,
                f"{1000 * med(r['say']):.0f}",
                f"{1000 * med(r['burst']):.0f}",
                f"{1000 * med(r['interrupt']):.0f} ({1000 * max(r['interrupt']):.0f})",
                sum(r["stale"]),
            ]
        )
    header = [
        "frames ahead",
        "say -> 1st frame ms",
        "burst -> 1st frame ms",
        "interrupt -> idle ms, median (max)",
        "frames with sound after interrupt",
    ]
    return (
        f"Paced 512 px session (frames()), median of {trials} trials at random moments of the frame period:\n\n"
        + results_md.table(header, rows)
    )


if __name__ == "__main__":
    main()
