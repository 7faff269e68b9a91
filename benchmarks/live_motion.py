"""Live-session motion against the file mode's on the same clip (issues 13 and 15): head yaw/pitch/roll std,
brow range, blinks/min and gaze shifts/min of a tracks-only session that is pushed a clip all at once (faster
than real time) or in 100 ms chunks at real time, beside `dirfa animate`'s tracks of the clip (same seed).

    .venv/bin/python benchmarks/live_motion.py [CLIP.wav ...]

Run it under PYTHONPATH=<an older tree>/src to measure an older session the same way. Measures only, never
fails; each live run takes the clip's duration (frames are paced at real time).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np

FPS = 25
SEED = 3
DEFAULT_CLIPS = [
    Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
]


def stats(curves: dict[str, np.ndarray]) -> list[str]:
    minutes = curves["headYaw"].size / FPS / 60.0
    closed = curves["eyeBlinkLeft"] > 0.5
    blinks = int(np.sum(closed[1:] & ~closed[:-1]))
    world = np.stack([curves["gazeYaw"] + curves["headYaw"], curves["gazePitch"] + curves["headPitch"]])
    moving = np.hypot(*np.diff(world, axis=1)) > 1.0
    shifts = int(np.sum(moving[1:] & ~moving[:-1]))
    return [
        f"{np.std(curves['headYaw']):.2f}/{np.std(curves['headPitch']):.2f}/{np.std(curves['headRoll']):.2f}",
        f"{np.ptp(curves['browInnerUp']):.2f}",
        f"{blinks / minutes:.0f}",
        f"{shifts / minutes:.0f}",
    ]


def live_curves(avatar, pcm: np.ndarray, rate: int, *, paced_push: bool) -> dict[str, np.ndarray]:
    from dirfa.live import Session

    names = ("headYaw", "headPitch", "headRoll", "browInnerUp", "eyeBlinkLeft", "gazeYaw", "gazePitch")
    with Session(avatar, render=False, fps=FPS, seed=SEED, audio_rate_hz=16000) as session:
        session.wait_ready(60.0)

        def push() -> None:
            step = rate // 10
            for lo in range(0, pcm.size, step):
                session.push_audio(pcm[lo : lo + step], rate)
                if paced_push:
                    time.sleep(0.1)
            session.end_audio()

        pusher = threading.Thread(target=push)
        pusher.start()
        rows, started = [], False
        for frame in session.frames():
            started = started or frame.speaking
            if started:
                rows.append(frame)
                if not session.speaking and not pusher.is_alive():
                    break
        pusher.join()
    spoken = [f for f in rows if f.speaking]
    return {name: np.array([f.curves.get(name, 0.0) for f in spoken]) for name in names}


def main() -> None:
    import wave

    import dirfa
    from dirfa.motion.generate import MotionOptions, generate

    clips = [Path(p) for p in sys.argv[1:]] or DEFAULT_CLIPS
    avatar = dirfa.prepare(
        Path(__file__).resolve().parent.parent / "examples" / "portrait.jpg", widths_px=(128,)
    )
    print("| clip | run | frames | yaw/pitch/roll std deg | brow range | blinks/min | gaze shifts/min |")
    print("|---|---|---|---|---|---|---|")
    for clip in clips:
        with wave.open(str(clip), "rb") as src:
            pcm, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
            channels = src.getnchannels()
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.int16)  # a stereo clip pushed as mono
        audio = dirfa.load_audio(clip)
        speech = dirfa.analyze_speech(audio, fps=FPS)
        file = generate(
            speech.mouth, speech.prosody, fps=FPS, n_frames=speech.n_frames, options=MotionOptions(seed=SEED)
        ).curves
        print("|", clip.name, "| file mode |", speech.n_frames, "|", " | ".join(stats(file)), "|", flush=True)
        for paced in (False, True):
            curves = live_curves(avatar, pcm, rate, paced_push=paced)
            run = "live, pushed at real time" if paced else "live, pushed at once"
            print(
                "|",
                clip.name,
                "|",
                run,
                "|",
                curves["headYaw"].size,
                "|",
                " | ".join(stats(curves)),
                "|",
                flush=True,
            )


if __name__ == "__main__":
    main()
