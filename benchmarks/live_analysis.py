"""Pushed audio against the same clip as a file (issues 13 and 15): voice activity, voicing and loudness per
frame, the jaw, p/b/m closures, and the head/brow/gaze tracks the motion stream makes of each.

    .venv/bin/python benchmarks/live_analysis.py [--no-append] [CLIP.wav ...]

Each clip goes through live.analysis.StreamAnalyzer in 100 ms chunks (fresh decoders, as a session's first
utterance) and through file mode (speech.prosody.analyze, api.analyze_speech). Motion: the stream's frames
into motion.stream.MotionStream as a session feeds them when the audio is ahead of its clock, against
motion.generate.generate of the file's analysis, same seed. p/b/m: closed on examples/portrait.jpg's rig
(its posed inner-lip gap, benchmarks/lipsync.py's threshold) during the phones of the LibriVox transcripts'
forced alignment; also with the decoders carried over from the previous clip (a session's next utterance).
Lips shut in loud frames: frames within 20 dB of the clip's loudest with jawOpen x (1 - mouthClose) < 0.1
(speech.closures' measure), pushed vs file.
Run it under PYTHONPATH=<an older tree>/src to measure an older analysis the same way. Measures only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lipsync  # noqa: E402
import results_md  # noqa: E402

FPS = 25
SEED = 3
RATE_HZ = 16000
CHUNK = RATE_HZ // 10
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
PORTRAIT = results_md.REPO / "examples" / "portrait.jpg"
MOTION = ("headYaw", "headPitch", "headRoll", "browInnerUp", "gazeYaw", "gazePitch")


def pushed(samples: np.ndarray, found) -> tuple[dict[str, np.ndarray], float]:
    """The stream analysis of a clip pushed in 100 ms chunks: per-frame arrays, CPU s."""
    from dirfa.live.analysis import StreamAnalyzer

    analyzer = StreamAnalyzer(fps=FPS, decoder=found)
    c0 = time.process_time()
    parts = [analyzer.push(samples[lo : lo + CHUNK]) for lo in range(0, samples.size, CHUNK)]
    parts.append(analyzer.finish())
    cpu = time.process_time() - c0
    parts = [p for p in parts if p is not None]
    keys = ("mouth", "loudness", "f0_hz", "speech", "energy_db", "voiced")
    return {k: np.concatenate([getattr(p, k) for p in parts]) for k in keys}, cpu


def live_motion(frames: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The motion stream fed the pushed frames a batch at a time (4 frames, as the analysis emits them)."""
    from dirfa.motion.generate import MotionOptions
    from dirfa.motion.stream import MotionStream
    from dirfa.speech.prosody import Prosody
    from dirfa.speech.visemes import MOUTH_TRACKS

    stream = MotionStream(FPS, MotionOptions(seed=SEED))
    out: dict[str, list[np.ndarray]] = {}
    n = frames["mouth"].shape[0]
    for lo in range(0, n, 4):
        hi = min(lo + 4, n)
        prosody = Prosody(
            fps=FPS,
            energy_db=frames["energy_db"][lo:hi],
            loudness=frames["loudness"][lo:hi],
            f0_hz=frames["f0_hz"][lo:hi],
            voiced=frames["voiced"][lo:hi],
            speech=frames["speech"][lo:hi],
        )
        mouth = {name: frames["mouth"][lo:hi, j] for j, name in enumerate(MOUTH_TRACKS)}
        for rows in (stream.push(mouth, prosody),):
            for k, v in rows.items():
                out.setdefault(k, []).append(v)
    for k, v in stream.finish().items():
        out.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in out.items()}


def shut_loud(mouth: dict[str, np.ndarray], energy_db: np.ndarray) -> tuple[int, int]:
    """Frames within 20 dB of the clip's loudest (file prosody) with the lips nearly shut (jawOpen x
    (1 - mouthClose) < 0.1; the measure of speech.closures' radio-clip figure): (shut, loud frames)."""
    n = min(energy_db.size, mouth["jawOpen"].size)
    loud = energy_db[:n] >= energy_db.max() - 20.0
    shut = mouth["jawOpen"][:n] * (1.0 - mouth["mouthClose"][:n]) < 0.1
    return int(np.sum(loud & shut)), int(np.sum(loud))


def corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) < 1e-9 or np.std(b) < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("clips", nargs="*", type=Path, help="more clips (any rate; no p/b/m truth)")
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()

    import dirfa
    from dirfa.api import steady_mouth
    from dirfa.live.analysis import decoders, resample
    from dirfa.motion.generate import MotionOptions, generate
    from dirfa.speech import phonemes
    from dirfa.speech.prosody import analyze
    from dirfa.speech.visemes import MOUTH_TRACKS

    rig = dirfa.prepare(PORTRAIT, widths_px=(128,)).rig
    width = rig.frame.mouth_px
    closed_below = rig.pose({}).mouth_open_px / width + lipsync.CLOSED_ABOVE_REST

    def gaps(curves: dict[str, np.ndarray]) -> np.ndarray:
        posed = steady_mouth(rig, curves)
        n = len(next(iter(posed.values())))
        return np.array(
            [rig.pose({k: float(v[i]) for k, v in posed.items()}).mouth_open_px / width for i in range(n)]
        )

    def shut(curves: dict[str, np.ndarray], truth) -> tuple[int, int]:
        g = gaps(curves)
        t = np.arange(g.size) / FPS
        closed = total = 0
        for phone, start, end in zip(truth.phones, truth.start_s, truth.end_s):
            window = g[(t >= start - 0.5 / FPS) & (t <= end + 0.5 / FPS)]
            if phone in lipsync.BILABIALS and window.size:
                total += 1
                closed += int(window.min() < closed_below)
        return closed, total

    texts = lipsync.read_transcripts()
    clips = sorted(LIBRIVOX.glob("*.wav")) + list(args.clips)
    rows, motion_rows = [], []
    sums = {"agree": [0, 0], "voiced": [0, 0], "file": [0, 0], "live": [0, 0], "carried": [0, 0]}
    motion_all: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in MOTION}
    cpu_s, cpu_frames = 0.0, 0
    carried = None
    for path in clips:
        audio = dirfa.load_audio(path)
        samples = audio.samples
        if audio.sample_rate_hz != RATE_HZ:
            samples = resample(samples, audio.sample_rate_hz, RATE_HZ)
        samples = np.asarray(samples, np.float32)
        live, cpu = pushed(samples, decoders())
        cpu_s += cpu
        n = live["speech"].size
        cpu_frames += n
        file_voice = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
        speech = dirfa.analyze_speech(audio, fps=FPS)
        agree = int(np.sum(live["speech"] == file_voice.speech))
        voiced = int(np.sum(live["voiced"] == file_voice.voiced))
        sums["agree"][0] += agree
        sums["agree"][1] += n
        sums["voiced"][0] += voiced
        sums["voiced"][1] += n
        jaw_live = live["mouth"][:, MOUTH_TRACKS.index("jawOpen")]
        m = min(n, speech.n_frames)
        live_mouth = {name: live["mouth"][:m, j] for j, name in enumerate(MOUTH_TRACKS)}
        shut_live, loud = shut_loud(live_mouth, speech.prosody.energy_db[:m])
        shut_file, _ = shut_loud({k: v[:m] for k, v in speech.mouth.items()}, speech.prosody.energy_db[:m])
        sums["shut_live"] = sums.get("shut_live", 0) + shut_live
        sums["shut_file"] = sums.get("shut_file", 0) + shut_file
        sums["loud"] = sums.get("loud", 0) + loud
        pbm = ""
        if path.stem in texts:
            truth = phonemes.align(samples, sample_rate_hz=RATE_HZ, text=texts[path.stem])
            live_curves = {name: live["mouth"][:, j] for j, name in enumerate(MOUTH_TRACKS)}
            if carried is None:  # the first clip's "previous utterance": the last LibriVox clip
                carried = decoders()
                last = dirfa.load_audio(sorted(LIBRIVOX.glob("*.wav"))[-1]).samples
                pushed(np.asarray(last, np.float32), carried)
            again, _ = pushed(samples, carried)
            again_curves = {name: again["mouth"][:, j] for j, name in enumerate(MOUTH_TRACKS)}
            for key, curves in (("file", speech.mouth), ("live", live_curves), ("carried", again_curves)):
                c, t = shut(curves, truth)
                sums[key][0] += c
                sums[key][1] += t
            f, t = shut(speech.mouth, truth)
            lv, _ = shut(live_curves, truth)
            pbm = f"{lv}/{t} vs {f}/{t}"
        rows.append(
            [
                path.name[-40:],
                f"{n / FPS:.1f}",
                f"{100 * agree / n:.1f} %",
                f"{100 * voiced / n:.1f} %",
                f"{corr(live['loudness'][:m], speech.prosody.loudness[:m]):.2f}",
                f"{corr(jaw_live[:m], speech.mouth['jawOpen'][:m]):.2f}",
                pbm,
                f"{shut_live} vs {shut_file} of {loud}",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
        file_motion = generate(
            speech.mouth, speech.prosody, fps=FPS, n_frames=speech.n_frames, options=MotionOptions(seed=SEED)
        ).curves
        streamed = live_motion(live)
        cells = [path.name[-40:]]
        for name in MOTION:
            a, b = streamed[name][:m], np.asarray(file_motion[name])[:m]
            motion_all[name].append((a, b))
            ratio = np.std(a) / max(np.std(b), 1e-9)
            cells.append(f"{corr(a, b):.2f} / {ratio:.2f}")
        motion_rows.append(cells)
        print(" | ".join(cells), flush=True)
    rows.append(
        [
            "all",
            "",
            f"{100 * sums['agree'][0] / sums['agree'][1]:.1f} %",
            f"{100 * sums['voiced'][0] / sums['voiced'][1]:.1f} %",
            "",
            "",
            f"{sums['live'][0]}/{sums['live'][1]} vs {sums['file'][0]}/{sums['file'][1]}",
            f"{sums['shut_live']} vs {sums['shut_file']} of {sums['loud']}",
        ]
    )
    cells = ["all (frames pooled)"]
    for name in MOTION:
        a = np.concatenate([x for x, _ in motion_all[name]])
        b = np.concatenate([y for _, y in motion_all[name]])
        cells.append(f"{corr(a, b):.2f} / {np.std(a) / max(np.std(b), 1e-9):.2f}")
    motion_rows.append(cells)
    header = [
        "clip",
        "s",
        "speech agrees",
        "voicing agrees",
        "loudness r",
        "jaw r",
        "p/b/m closed live vs file",
        "lips shut in loud frames live vs file",
    ]
    body = [
        "Pushed in 100 ms chunks vs the file, per frame (25 fps), fresh decoders:\n\n"
        + results_md.table(header, rows),
        "p/b/m closed with the decoders carried over from the previous clip (a session's next utterance): "
        f"{sums['carried'][0]}/{sums['carried'][1]}; pushed analysis CPU {1000 * cpu_s / max(cpu_frames, 1):.1f} "
        "ms per frame (words and phones decoded).",
        "Motion of the pushed frames vs the file's (same seed), correlation / std ratio (pushed over file):\n\n"
        + results_md.table(["clip"] + list(MOTION), motion_rows),
    ]
    print("\n\n".join(body))
    if not args.no_append:
        note = f"Measured while other work shared the 2 cores (load {results_md.START_LOAD} at start)."
        results_md.append(
            "Pushed audio vs file: voice activity, p/b/m, motion (benchmarks/live_analysis.py)",
            note + "\n\n" + "\n\n".join(body),
            command="benchmarks/live_analysis.py " + " ".join(sys.argv[1:]),
        )


if __name__ == "__main__":
    main()
