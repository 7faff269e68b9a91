"""Lip-sync benchmark (issue 4): do the rendered lips close on p/b/m, open on vowels, and move in time?

Renders the five LibriVox clips of pocketsphinx-testdata with `dirfa animate` (audio only, and with --text),
re-detects the face in every frame of each output MP4, and scores the re-detected inner-lip gap against the
phone times of a forced alignment of the transcript. Prints tables, appends them to benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/lipsync.py [--portrait FACE.jpg ...] [--size 320] [--fps 25]

Measures only: it never fails on a target. Targets from issue 4: >= 90 % of p/b/m phones closed, >= 90 % of
open vowels (>= 60 ms) opened, audio-visual offset within one frame.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import results_md

REPO = results_md.REPO
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
DIRFA = REPO / ".venv" / "bin" / "dirfa"
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"
SHARED_PORTRAITS = REPO.parent / "shared" / "data" / "portraits"

BILABIALS = frozenset({"P", "B", "M"})
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "EY", "OW"})
MIN_VOWEL_S = 0.06
# Thresholds on the inner-lip gap (landmarks 13-14) in mouth widths (61-291), above the re-detected gap of
# the portrait's own rest frame: closed below rest + CLOSED_ABOVE_REST, open above rest + OPEN_ABOVE_REST.
CLOSED_ABOVE_REST = 0.03
OPEN_ABOVE_REST = 0.08
MAX_LAG_FRAMES = 8  # cross-correlation search range, each way


def on_screen(t: np.ndarray, start: float, end: float, fps: float) -> np.ndarray:
    """Frames on screen while a phone sounds: frame i is shown from i / fps until (i + 1) / fps.

    Open vowels are scored over these frames (issue 13). The window used before, frame times i / fps within
    half a frame of the phone, is half a frame late on screen: it counted a frame shown wholly after the
    vowel and left out one shown over its first 20 ms, so a mouth that opens for a vowel as its sound starts
    (or a little before, as real mouths do) lost the vowel. p/b/m keep that window (their closure must show
    no earlier than it).
    """
    return (t < end) & (t + 1.0 / fps > start)


MODES = ("audio", "text")


@dataclass
class Score:
    """Counts for one clip (or pooled over clips) in one mode."""

    closed: int = 0
    closed_loose: int = 0  # within one frame more each side (the renderer leads the audio by design)
    bilabials: int = 0
    opened: int = 0
    opened_loose: int = 0
    vowels: int = 0
    undetected_phones: int = 0
    frames: int = 0
    detected: int = 0
    xcorr_sum: np.ndarray = field(default_factory=lambda: np.zeros(2 * MAX_LAG_FRAMES + 1))
    xcorr_n: int = 0
    render_s: float = 0.0
    duration_s: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "closed",
            "closed_loose",
            "bilabials",
            "opened",
            "opened_loose",
            "vowels",
            "undetected_phones",
            "frames",
            "detected",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.xcorr_sum = self.xcorr_sum + other.xcorr_sum
        self.xcorr_n += other.xcorr_n
        self.render_s += other.render_s
        self.duration_s += other.duration_s
        self.misses += other.misses

    def lag(self) -> tuple[float, float]:
        """Best lag in frames (sub-frame by parabolic interpolation) and the peak correlation."""
        if self.xcorr_n == 0:
            return float("nan"), float("nan")
        r = self.xcorr_sum / self.xcorr_n
        k = int(np.argmax(r))
        frac = 0.0
        if 0 < k < len(r) - 1:
            denom = r[k - 1] - 2 * r[k] + r[k + 1]
            frac = 0.5 * (r[k - 1] - r[k + 1]) / denom if denom < 0 else 0.0
        return k - MAX_LAG_FRAMES + frac, float(r[k])


def read_transcripts() -> dict[str, str]:
    """Clip id -> transcript words, from pocketsphinx-testdata's librivox/transcription."""
    texts = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        m = re.match(r"\s*(.*?)\s*\((\S+)\)\s*$", line)
        if m:
            words = m.group(1).replace("<s>", "").replace("</s>", "").split()
            texts[m.group(2)] = " ".join(words)
    return texts


def lip_gap(landmarks: np.ndarray) -> float:
    """Inner-lip gap (13-14) in mouth widths (61-291)."""
    width = np.linalg.norm(landmarks[61, :2] - landmarks[291, :2])
    return float(np.linalg.norm(landmarks[13, :2] - landmarks[14, :2]) / max(width, 1e-6))


def detect_gaps(frames) -> np.ndarray:
    """Re-detected lip gap per frame (NaN where no face is found)."""
    from dirfa.face.landmarks import find_faces

    gaps = []
    for image in frames:
        faces = find_faces(image)
        gaps.append(lip_gap(faces[0]) if faces else np.nan)
    return np.array(gaps)


def rest_gaps(portrait_path: Path, *, size: int, tmp: Path) -> dict[str, float]:
    """Re-detected gaps of single frames rendered at rest and in reference shapes, through the same
    crop, size and H.264 encode as the benchmark videos (so compression affects both alike)."""
    import dirfa
    from dirfa.face.rig import build_rig
    from dirfa.media.video import read_video_frames, write_video
    from dirfa.render.compose import FrameRenderer, plan_output

    portrait = dirfa.load_portrait(portrait_path)
    rig = build_rig(portrait)
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=True)
    renderer = FrameRenderer(portrait.image, rig, plan)
    shapes = {"rest": {}, "mouthClose 1": {"mouthClose": 1.0}, "jawOpen .15": {"jawOpen": 0.15}}
    shapes["jawOpen .3"] = {"jawOpen": 0.3}
    shapes["jawOpen .6"] = {"jawOpen": 0.6}
    out = {}
    for name, params in shapes.items():
        path = tmp / "shape.mp4"
        write_video(path, [renderer.render(params)] * 3, fps=25, audio_source=None)
        out[name] = float(np.nanmedian(detect_gaps(read_video_frames(path))))
    out["photo"] = lip_gap(portrait.landmarks_xyz)
    return out


def envelope(samples: np.ndarray, rate_hz: int, *, fps: float, n_frames: int) -> np.ndarray:
    """Speech envelope: RMS of the samples in a 1 / fps window centred on each frame's time i / fps."""
    half = int(round(0.5 * rate_hz / fps))
    centres = np.round(np.arange(n_frames) / fps * rate_hz).astype(int)
    x = np.asarray(samples, np.float64)
    padded = np.concatenate([np.zeros(half), x, np.zeros(half + int(rate_hz / fps) + 1)])
    c = np.concatenate([[0.0], np.cumsum(padded**2)])
    lo, hi = centres, centres + 2 * half
    return np.sqrt((c[hi] - c[lo]) / max(2 * half, 1))


def xcorr(mouth: np.ndarray, env: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum over i of z(mouth)[i] * z(env)[i + lag] for lag in -MAX..MAX, and the overlap length.

    Positive lag: the mouth at frame i matches the sound `lag` frames later, i.e. the video leads."""
    ok = np.isfinite(mouth)
    if ok.sum() < 10:
        return np.zeros(2 * MAX_LAG_FRAMES + 1), 0
    idx = np.arange(len(mouth))
    m = np.interp(idx, idx[ok], mouth[ok])
    m = (m - m.mean()) / (m.std() + 1e-9)
    e = (env - env.mean()) / (env.std() + 1e-9)
    sums = []
    for lag in range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1):
        if lag >= 0:
            sums.append(float(np.dot(m[: len(m) - lag], e[lag:])) * len(m) / max(len(m) - lag, 1))
        else:
            sums.append(float(np.dot(m[-lag:], e[: len(e) + lag])) * len(m) / max(len(m) + lag, 1))
    return np.array(sums), len(m)


def score_clip(gaps: np.ndarray, timeline, env: np.ndarray, *, rest: float, fps: float, clip: str) -> Score:
    """Score one clip's re-detected gaps against the true phone times (strict window and one frame wider)."""
    s = Score(frames=len(gaps), detected=int(np.isfinite(gaps).sum()))
    t = np.arange(len(gaps)) / fps
    for phone, start, end in zip(timeline.phones, timeline.start_s, timeline.end_s):
        is_bilabial = phone in BILABIALS
        is_vowel = phone in OPEN_VOWELS and end - start >= MIN_VOWEL_S
        if not (is_bilabial or is_vowel):
            continue
        found = []
        for widen_s in (0.5 / fps, 1.5 / fps):
            values = gaps[(t >= start - widen_s) & (t <= end + widen_s)]
            values = values[np.isfinite(values)]
            found.append(values)
        strict, loose = found
        if is_vowel:
            shown = gaps[on_screen(t, start, end, fps)]
            shown = shown[np.isfinite(shown)]
            strict = shown if shown.size else strict
        if strict.size == 0:
            s.undetected_phones += 1
            continue
        if is_bilabial:
            s.bilabials += 1
            s.closed_loose += int(loose.min() < rest + CLOSED_ABOVE_REST)
            if strict.min() < rest + CLOSED_ABOVE_REST:
                s.closed += 1
            else:
                s.misses.append(
                    f"{clip} {phone} {start:.2f}-{end:.2f}s not closed (min gap {strict.min():.3f}"
                    f"{', closed a frame outside' if loose.min() < rest + CLOSED_ABOVE_REST else ''})"
                )
        else:
            s.vowels += 1
            s.opened_loose += int(loose.max() > rest + OPEN_ABOVE_REST)
            if strict.max() > rest + OPEN_ABOVE_REST:
                s.opened += 1
            else:
                s.misses.append(
                    f"{clip} {phone} {start:.2f}-{end:.2f}s not open (max gap {strict.max():.3f})"
                )
    s.xcorr_sum, s.xcorr_n = xcorr(gaps, env)
    return s


# --- the rig's own lip opening on every portrait (no rendering, no re-detection) ------------------------

# States whose single-frame runs count as one-frame events: (low, high) hysteresis bounds, a frame is in the
# low state at or below `low`, the high state at or above `high`, and keeps its state in between.
MOUTH_STATES = (0.035, 0.07)  # inner-lip gap in mouth widths: closed / open (rig.CLOSED_GAP_PER_MOUTH)
TEETH_STATES = (0.05, 0.09)  # gap in mouth widths: teeth hidden / shown (they come into view over this)
LID_STATES = (0.3, 0.7)  # eyeBlink: open / shut


def one_frame_events(values: np.ndarray, low: float, high: float) -> int:
    """How many times a state (<= low, >= high, with hysteresis between) lasts exactly one frame between
    two frames of the other state: a flash the eye catches as a glitch."""
    state = np.zeros(len(values), np.int8)
    current = 0
    for i, value in enumerate(values):
        if value <= low:
            current = -1
        elif value >= high:
            current = 1
        state[i] = current
    events = 0
    for i in range(1, len(state) - 1):
        if state[i] != 0 and state[i - 1] == state[i + 1] == -state[i]:
            events += 1
    return events


def geometry_scores(
    portraits: list[Path],
    clips: list[str],
    truth: dict,
    texts: dict,
    fps: float,
    variants: dict[str, ModuleType | None] | None = None,
) -> str:
    """Per portrait: open vowels opened and p/b/m closed by the rig's own inner-lip gap (in mouth widths,
    over the phone times of the alignment), the smallest open-vowel opening in pixels at a 256 px face, and
    one-frame mouth/teeth/lid events; over the LibriVox clips in both modes. Returns the Markdown text.

    variants: label -> a coarticulation module (None: the working tree's), each scored on the same speech
    analysis (the phones and prosody are found once; each module makes its own mouth curves from them)."""
    import dataclasses

    import dirfa
    from dirfa.api import steady_mouth
    from dirfa.face.rig import build_rig

    variants = variants or {"now": None}
    tracks: dict[str, dict] = {label: {} for label in variants}
    for clip in clips:
        audio, _ = truth[clip]
        for mode in MODES:
            text = texts[clip] if mode == "text" else None
            speech = dirfa.analyze_speech(audio, fps=fps, text=text)
            for label, module in variants.items():
                own = speech
                if module is not None and speech.timeline is not None:
                    mouth = module.mouth_curves(
                        speech.timeline, speech.prosody, fps=fps, n_frames=speech.n_frames
                    )
                    own = dataclasses.replace(
                        speech, mouth={name: np.asarray(c, np.float32) for name, c in mouth.items()}
                    )
                tracks[label][clip, mode] = dirfa.animate(audio, fps=fps, text=text, seed=0, speech=own)
    rows = []
    rigs: dict[Path, tuple] = {}
    for path, label in [(path, label) for path in portraits for label in variants]:
        if path not in rigs:
            rigs.clear()  # one face at a time
            rigs[path] = (dirfa.load_portrait(path),)
            rigs[path] += (build_rig(rigs[path][0]),)
        portrait, rig = rigs[path]
        width = rig.frame.mouth_px
        px_256 = 256.0 / max(float(portrait.face_width_px), 1.0)  # pixels of a 256 px wide face per photo px
        rest = rig.pose({}).mouth_open_px / width
        counts = dict(closed=0, bilabials=0, opened=0, opened_before=0, vowels=0, mouth=0, teeth=0, lids=0)
        counts["frames"] = 0
        openings = []
        for (clip, _), anim in tracks[label].items():
            _, timeline = truth[clip]
            n = anim.n_frames
            curves = steady_mouth(rig, anim.curves)  # what dirfa.frames renders on this face
            gaps = np.empty(n)
            blinks = np.empty((n, 2))
            for i in range(n):
                pose = rig.pose({name: float(curve[i]) for name, curve in curves.items()})
                gaps[i] = pose.mouth_open_px / width
                blinks[i] = pose.blink
            t = np.arange(n) / fps
            for phone, start, end in zip(timeline.phones, timeline.start_s, timeline.end_s):
                window = gaps[(t >= start - 0.5 / fps) & (t <= end + 0.5 / fps)]
                if window.size == 0:
                    continue
                if phone in BILABIALS:
                    counts["bilabials"] += 1
                    counts["closed"] += int(window.min() < rest + CLOSED_ABOVE_REST)
                elif phone in OPEN_VOWELS and end - start >= MIN_VOWEL_S:
                    shown = gaps[on_screen(t, start, end, fps)]
                    shown = shown if shown.size else window
                    counts["vowels"] += 1
                    counts["opened"] += int(shown.max() > rest + OPEN_ABOVE_REST)
                    counts["opened_before"] += int(window.max() > rest + OPEN_ABOVE_REST)
                    openings.append((shown.max() - rest) * width * px_256)
            counts["mouth"] += one_frame_events(gaps - rest, *MOUTH_STATES)
            counts["teeth"] += one_frame_events(gaps - rest, *TEETH_STATES)
            counts["lids"] += sum(one_frame_events(blinks[:, k], *LID_STATES) for k in (0, 1))
            counts["frames"] += n
        rows.append(
            [
                path.name,
                label,
                f"{width:.0f}",
                pct(counts["opened"], counts["vowels"]),
                pct(counts["opened_before"], counts["vowels"]),
                pct(counts["closed"], counts["bilabials"]),
                f"{np.percentile(openings, 10):.1f} / {np.median(openings):.1f}" if openings else "-",
                counts["mouth"],
                counts["teeth"],
                counts["lids"],
                counts["frames"],
            ]
        )
        print(" | ".join(str(c) for c in rows[-1]))
    header = [
        "portrait",
        "coarticulation",
        "mouth px",
        "open vowels opened",
        "(old window)",
        "p/b/m closed",
        "open-vowel opening px at a 256 px face: 10th pct / median",
        "1-frame mouth",
        "1-frame teeth",
        "1-frame lids",
        "frames",
    ]
    return results_md.table(header, rows)


# --- the acoustic path on speech in other languages ----------------------------------------------------

OTHER_SPEECH = ("bus_chinese", "chinese_poem1", "japanese", "eluosi", "fayu", "itosinger1")
ESPEAK_TEXTS = {
    "de": "Guten Morgen, wie geht es Ihnen heute? Ich habe ein neues Buch gelesen.",
    "es": "Buenos días, ¿cómo estás hoy? Me gusta mucho la música de la ciudad.",
    "fr": "Bonjour, comment allez-vous aujourd'hui? Nous avons mangé au restaurant.",
    "cmn": "今天天气很好，我们一起去公园散步吧。",
    "ja": "こんにちは、今日はいい天気ですね。私は学生です。",
    "ru": "Здравствуйте, как у вас дела сегодня? Я люблю читать книги.",
}
JAW_CLOSED = 0.2  # jawOpen under this (or mouthClose over 0.3) reads as a shut mouth on the shared portraits


def acoustic_table(fps: float) -> str:
    """Closed-frame share during voiced speech (prosody: voiced and speech) on the acoustic path, for the
    shared non-English recordings and espeak-ng speech in six languages; and the longest closed run."""
    import dirfa
    from dirfa.speech.acoustic import acoustic_curves
    from dirfa.speech.prosody import analyze

    clips = {}
    for name in OTHER_SPEECH:
        path = REPO.parent / "shared" / "data" / "speech" / f"{name}.wav"
        if path.exists():
            clips[name] = dirfa.load_audio(path)
    with tempfile.TemporaryDirectory(prefix="dirfa-espeak-") as tmp:
        for voice, text in ESPEAK_TEXTS.items():
            wav = Path(tmp) / f"{voice}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
            clips[f"espeak-ng {voice}"] = dirfa.load_audio(wav)
    rows = []
    for name, audio in clips.items():
        n = max(1, int(round(audio.duration_s * fps)))
        prosody = analyze(audio.samples, sample_rate_hz=audio.sample_rate_hz, fps=fps, n_frames=n)
        curves = acoustic_curves(
            audio.samples, sample_rate_hz=audio.sample_rate_hz, fps=fps, n_frames=n, prosody=prosody
        )
        voiced = prosody.voiced & prosody.speech
        closed = (curves["jawOpen"] < JAW_CLOSED) | (curves["mouthClose"] > 0.3)
        edges = np.diff(np.concatenate([[0], (closed & voiced).astype(np.int8), [0]]))
        runs = np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]
        rows.append(
            [
                name,
                int(voiced.sum()),
                f"{100 * closed[voiced].mean():.1f} %" if voiced.any() else "-",
                int(runs.max(initial=0)),
                f"{100 * closed[prosody.speech & ~prosody.voiced].mean():.0f} %",
                f"{np.median(curves['jawOpen'][voiced]):.2f}" if voiced.any() else "-",
            ]
        )
        print(" | ".join(str(c) for c in rows[-1]))
    header = [
        "clip",
        "voiced frames",
        "closed while voiced",
        "longest closed voiced run (frames)",
        "closed in unvoiced speech",
        "median jawOpen voiced",
    ]
    return results_md.table(header, rows)


def pct(k: int, n: int) -> str:
    return f"{k}/{n} {100 * k / n:.0f} %" if n else "-"


def row(name: str, s: Score, fps: float) -> list[object]:
    lag, peak = s.lag()
    return [
        name,
        f"{s.duration_s:.1f}",
        pct(s.closed, s.bilabials),
        pct(s.closed_loose, s.bilabials),
        pct(s.opened, s.vowels),
        pct(s.opened_loose, s.vowels),
        f"{lag:+.2f}",
        f"{1000 * lag / fps:+.0f}",
        f"{peak:.2f}",
        f"{100 * s.detected / max(s.frames, 1):.0f} %",
        f"{s.render_s:.1f}",
    ]


HEADER = [
    "clip",
    "audio s",
    "p/b/m closed",
    "(±1 fr)",
    "open vowels opened",
    "(±1 fr)",
    "lag fr",
    "lag ms",
    "peak r",
    "face found",
    "render s",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portrait", type=Path, action="append", default=[], help="also this portrait")
    parser.add_argument("--size", type=int, default=320, help="output width of the face crop (default 320)")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument(
        "--geometry",
        nargs="*",
        type=Path,
        metavar="FACE",
        help="only the rig's lip opening (no rendering) on these portraits (default: every shared portrait)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="with --geometry: also the coarticulation of this git revision, on the same analyses (old vs new)",
    )
    parser.add_argument(
        "--acoustic",
        action="store_true",
        help="only the acoustic path's closed-frame share in voiced non-English speech (no rendering)",
    )
    args = parser.parse_args()
    if args.acoustic:
        started = time.perf_counter()
        text = acoustic_table(float(args.fps))
        elapsed = time.perf_counter() - started
        print(f"\n{text}\n\nbenchmark took {elapsed:.0f} s")
        if not args.no_append:
            method = (
                "dirfa.speech.acoustic.acoustic_curves (the `--language` other than en path) on the shared "
                "non-English recordings and on espeak-ng speech; frames where the prosody finds voiced speech, "
                f"counted closed when jawOpen < {JAW_CLOSED} or mouthClose > 0.3. Total {elapsed:.0f} s."
            )
            results_md.append(
                "Acoustic path on other languages (benchmarks/lipsync.py --acoustic)",
                method + "\n\n" + text,
                command=" ".join(["benchmarks/lipsync.py", *sys.argv[1:]]),
            )
        return

    import dirfa
    from dirfa.media.video import probe_video, read_video_frames
    from dirfa.speech import phonemes
    from dirfa.speech.coarticulation import LEAD_S

    texts = read_transcripts()
    clips = sorted(texts)
    portraits = [EXAMPLE_PORTRAIT, *args.portrait]
    print(f"{len(clips)} clips, portraits: {', '.join(p.name for p in portraits)}; --crop --size {args.size}")

    # Ground truth: forced alignment of the transcript, shared by both modes.
    truth = {}
    for clip in clips:
        audio = dirfa.load_audio(LIBRIVOX / f"{clip}.wav")
        timeline = phonemes.align(audio.samples, sample_rate_hz=audio.sample_rate_hz, text=texts[clip])
        truth[clip] = (audio, timeline)

    if args.geometry is not None:
        started = time.perf_counter()
        faces = args.geometry or [EXAMPLE_PORTRAIT, *sorted(SHARED_PORTRAITS.glob("*.png"))]
        variants: dict[str, ModuleType | None] = {}
        if args.baseline:
            import mouth_timing

            variants[args.baseline] = mouth_timing.load_revision(args.baseline)
        variants["now"] = None
        text = geometry_scores(faces, clips, truth, texts, float(args.fps), variants)
        elapsed = time.perf_counter() - started
        print(f"\n{text}\n\nbenchmark took {elapsed:.0f} s")
        if not args.no_append:
            method = (
                "The rig's own inner-lip gap (Rig.pose(...).mouth_open_px, in mouth widths) for the tracks "
                "`dirfa.animate` makes of the five LibriVox clips (audio only and --text, seed 0), scored as "
                f"the rendered benchmark scores re-detected gaps: open vowels > rest + {OPEN_ABOVE_REST} in a "
                "frame on screen while the vowel sounds (frame i shown from i/fps to (i+1)/fps; old window: "
                "i/fps within half a frame of the phone, half a frame late on screen), p/b/m < rest + "
                f"{CLOSED_ABOVE_REST} with i/fps within half a frame of the phone. Opening px: the largest gap "
                "above rest while each open vowel is on screen in pixels when the face is 256 px wide. One-frame events: a state lasting a single frame "
                f"between two of the other (mouth closed/open {MOUTH_STATES}, teeth hidden/shown {TEETH_STATES} "
                f"mouth widths above rest, lids open/shut {LID_STATES} eyeBlink, with hysteresis). "
                f"Total {elapsed:.0f} s."
            )
            results_md.append(
                "Lip opening per portrait (benchmarks/lipsync.py --geometry)",
                method + "\n\n" + text,
                command=" ".join(["benchmarks/lipsync.py", *sys.argv[1:]]),
            )
        return

    sections = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dirfa-lipsync-") as tmpdir:
        tmp = Path(tmpdir)
        for portrait in portraits:
            ref = rest_gaps(portrait, size=args.size, tmp=tmp)
            rest = ref["rest"]
            calib = ", ".join(f"{k} {v:.3f}" for k, v in ref.items())
            print(f"\n{portrait.name}: re-detected gap in mouth widths: {calib}")
            print(
                f"closed < {rest + CLOSED_ABOVE_REST:.3f}, open > {rest + OPEN_ABOVE_REST:.3f} (rest "
                f"{rest:.3f} + {CLOSED_ABOVE_REST} / + {OPEN_ABOVE_REST})"
            )
            text_out = [f"### {portrait.name}\n", f"Re-detected lip gap (mouth widths): {calib}. "]
            text_out.append(
                f"Closed below {rest + CLOSED_ABOVE_REST:.3f}, open above {rest + OPEN_ABOVE_REST:.3f}.\n"
            )
            for mode in MODES:
                total = Score()
                rows = []
                for clip in clips:
                    audio, timeline = truth[clip]
                    out = tmp / f"{clip}-{mode}.mp4"
                    cmd = [
                        str(DIRFA),
                        "animate",
                        str(portrait),
                        str(LIBRIVOX / f"{clip}.wav"),
                        "-o",
                        str(out),
                    ]
                    cmd += ["--crop", "--size", str(args.size), "--fps", str(args.fps), "-q"]
                    if mode == "text":
                        cmd += ["--text", texts[clip]]
                    t0 = time.perf_counter()
                    proc = subprocess.run(cmd, capture_output=True, text=True)
                    render_s = time.perf_counter() - t0
                    if proc.returncode != 0:
                        print(f"  {clip} {mode}: dirfa failed ({proc.returncode}): {proc.stderr.strip()}")
                        continue
                    if proc.stderr.strip():
                        print(f"  {clip} {mode}: stderr: {proc.stderr.strip()}")
                    info = probe_video(out)
                    gaps = detect_gaps(read_video_frames(out))
                    env = envelope(audio.samples, audio.sample_rate_hz, fps=args.fps, n_frames=len(gaps))
                    s = score_clip(gaps, timeline, env, rest=rest, fps=args.fps, clip=clip[-4:])
                    s.render_s = render_s
                    s.duration_s = audio.duration_s
                    if info.n_frames != len(gaps):
                        print(f"  {clip}: probe says {info.n_frames} frames, decoded {len(gaps)}")
                    rows.append(row(clip[-4:], s, args.fps))
                    total.add(s)
                rows.append(row("all", total, args.fps))
                title = f"{portrait.name}, mode {'--text' if mode == 'text' else 'audio only'}"
                print(f"\n{title}\n{results_md.table(HEADER, rows)}")
                for miss in total.misses:
                    print(f"  miss: {miss}")
                text_out.append(f"\n{title}:\n\n{results_md.table(HEADER, rows)}\n")
                if total.misses:
                    shown = total.misses[:12]
                    more = len(total.misses) - len(shown)
                    text_out.append(
                        "\nMisses: " + "; ".join(shown) + (f"; and {more} more" if more else "") + ".\n"
                    )
            sections.append("".join(text_out))
    elapsed = time.perf_counter() - started
    print(f"\nbenchmark took {elapsed:.0f} s")
    if not args.no_append:
        method = (
            f"Each clip rendered by the CLI (`dirfa animate ... --crop --size {args.size} --fps {args.fps}`, "
            "default head motion, seed 0); the face re-detected (dirfa.face.landmarks.find_faces) in every frame "
            "decoded from the MP4. Phone times: forced alignment of the transcript (dirfa.speech.phonemes.align) "
            "in both modes. A p/b/m counts as closed when some frame with time i/fps inside the phone, "
            "widened by half a frame each side, has gap < rest + "
            f"{CLOSED_ABOVE_REST}; an open vowel (AA AE AH AO AW AY EH EY OW, >= {MIN_VOWEL_S * 1000:.0f} ms) "
            f"as opened when some frame on screen while it sounds (frame i from i/fps to (i+1)/fps) has gap > "
            f"rest + {OPEN_ABOVE_REST}. (±1 fr): the same with the "
            "window widened by one more frame each side — dirfa shows each frame's mouth "
            f"{1000 * LEAD_S:.0f} ms ahead of its sound (speech.coarticulation.LEAD_S). "
            "Lag: best cross-correlation "
            "of the gap curve with the RMS envelope (1/fps window centred on i/fps), + = video leads. "
            f"Total {elapsed:.0f} s."
        )
        results_md.append(
            "Lip sync (benchmarks/lipsync.py)",
            method + "\n\n" + "\n".join(sections),
            command=" ".join(["benchmarks/lipsync.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
