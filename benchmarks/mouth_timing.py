"""Mouth timing benchmark (issue 13): how closely does the mouth follow loudness, and how far does it lead it?

Measured twice, as issue 13 measured real speakers: on the tracks (aperture jawOpen * (1 - mouthClose)), and
on the rendered frames, where mediapipe's face mesh re-detects the mouth (inner-lip gap, landmarks 13-14, over
the outer eye-corner distance 33-263) independently of the tracks. Each is cross-correlated with the clip's
loudness (speech.prosody: the speech level normalised to the clip, 0 in pauses): r at lag 0, and the lag of the
best correlation, sub-frame (a parabola through the peak), + = the mouth leads the sound. Real speakers: r
0.16-0.28, the mouth ~2 frames (~80 ms) ahead (issue 13).

    .venv/bin/python benchmarks/mouth_timing.py [--baseline REV] [--size 384] [--seconds 7] [--no-append]
        [--portrait FACE ...] [--sheet OUT_DIR] [--tracks-only] [--acoustic] [--acoustic-places] [--drivers]

--baseline REV: also the coarticulation of git revision REV (speech/coarticulation.py read with `git show`,
loaded beside the working tree's), in the same run, on the same clips and portraits: before and after side by
side. --tracks-only: the tracks alone (no rendering) over 12 takes, the jaw while the lips are shut, and how
fast the mouth falls into pauses. --acoustic: the acoustic path's tracks alone (non-English clips; with
--baseline, that revision's speech/acoustic.py beside the working tree's). --acoustic-places: the acoustic path's
lip closures at force-aligned p/b/m against t/d/k/g/s/z/n of testdata English, and on the non-English takes the
voiced frames shut and the jaw's steps (with --baseline, as --acoustic). --drivers: whether the opening follows
the phones more than the loudness: on the same force-aligned testdata English, the partial correlations of the
acoustic path's and the phone path's aperture with the aligned phones' openness and with loudness, each with the
other held fixed (with --baseline, as --acoustic).
--sheet: PNG contact sheets of 24 consecutive frames around a word onset per clip and portrait, with the
waveform under them and each frame's time marked. Measures only, never fails.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import results_md

REPO = results_md.REPO
SHARED = REPO.parent / "shared" / "data"
TESTDATA = Path("/usr/share/pocketsphinx/test/data")
FPS = 25
MAX_LAG = 5  # frames each way (200 ms at 25 fps)
# Real English speech: two LibriVox readings (pocketsphinx-testdata) and a radio clip (shared data).
CLIPS = (
    TESTDATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav",
    TESTDATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav",
    SHARED / "speech" / "RD_Radio36_000.wav",
)
PORTRAITS = (REPO / "examples" / "portrait.jpg", SHARED / "portraits" / "art_13.png")


def lagged_r(
    mouth: np.ndarray, loud: np.ndarray, where: np.ndarray | None = None
) -> tuple[float, float, float]:
    """(r at lag 0, best lag in ms (sub-frame; + = mouth leads), r at the best lag). The lag is +-inf when the
    best correlation lies at the edge of the search (no peak within +-MAX_LAG frames). where: only the pairs
    of frames (i, i + lag) that are both True in it count (None: all)."""
    ok = np.isfinite(mouth)
    if ok.sum() < 10 or np.nanstd(mouth) == 0 or np.std(loud) == 0:
        return float("nan"), float("nan"), float("nan")
    idx = np.arange(mouth.shape[0])
    m = np.interp(idx, idx[ok], mouth[ok])
    keep = np.ones(m.shape[0], bool) if where is None else np.asarray(where, bool)
    corr = []
    for k in range(-MAX_LAG, MAX_LAG + 1):
        # lag k: the mouth at frame i against the sound at frame i + k.
        a = m[max(0, -k) : m.shape[0] - max(0, k)]
        b = loud[max(0, k) : loud.shape[0] - max(0, -k)]
        both = keep[max(0, -k) : m.shape[0] - max(0, k)] & keep[max(0, k) : loud.shape[0] - max(0, -k)]
        corr.append(float(np.corrcoef(a[both], b[both])[0, 1]))
    best = int(np.nanargmax(corr))
    frac = 0.0
    if 0 < best < len(corr) - 1:
        bend = corr[best - 1] - 2 * corr[best] + corr[best + 1]
        frac = 0.5 * (corr[best - 1] - corr[best + 1]) / bend if bend < 0 else 0.0
    if best in (0, len(corr) - 1):
        return corr[MAX_LAG], float(np.sign(best - MAX_LAG)) * np.inf, corr[best]
    return corr[MAX_LAG], (best - MAX_LAG + frac) / FPS * 1000.0, corr[best]


def within_speech(speech: np.ndarray, margin: int = 3) -> np.ndarray:
    """(n,) bool: frames of speech at least `margin` frames from a pause (the clip's edges count as speech)."""
    speech = np.asarray(speech, bool)
    inside = speech.copy()
    for d in range(1, margin + 1):
        inside[d:] &= speech[:-d]
        inside[:-d] &= speech[d:]
    return inside


def away_from_closures(timeline: object, n_frames: int, margin: int = 3) -> np.ndarray:
    """(n_frames,) True for frames at least `margin` frames from every p/b/m of the phone timeline."""
    away = np.ones(n_frames, bool)
    for phone, start, end in zip(timeline.phones, timeline.start_s, timeline.end_s):
        if phone in ("P", "B", "M"):
            away[max(0, int(start * FPS) - margin) : int(end * FPS) + margin + 1] = False
    return away


def pause_falls(aperture: np.ndarray, speech: np.ndarray) -> list[float]:
    """Per phrase end (speech followed by >= 3 frames without it, or the clip's end) opened past 0.2: the
    largest one-frame fall of the aperture from the widest of its last 3 frames of sound until 2 frames
    before the next sound, as a share of that opening (0.2 = rest over 5 frames, 200 ms at 25 fps)."""
    n, out = aperture.shape[0], []
    for e in np.nonzero(speech[:-1] & ~speech[1:])[0]:
        after = e + 1
        while after < n and not speech[after]:
            after += 1
        if after < n and after - e - 1 < 3:
            continue
        p = max(e - 2, 0) + int(np.argmax(aperture[max(e - 2, 0) : e + 1]))
        tail = aperture[p : after - 2 if after < n else n]
        if aperture[p] > 0.2 and tail.size > 1:
            out.append(float(-np.diff(tail).min() / aperture[p]))
    return out


def video_aperture(landmarks: np.ndarray) -> float:
    """Inner-lip gap (13-14) over the outer eye-corner distance (33-263): scale-free, like the issue's measure."""
    eyes = np.linalg.norm(landmarks[33, :2] - landmarks[263, :2])
    return float(np.linalg.norm(landmarks[13, :2] - landmarks[14, :2]) / max(eyes, 1e-6))


def cut_clip(path: Path, seconds: float, tmp: Path) -> Path:
    """The first `seconds` of a recording as a 16 kHz mono WAV under tmp."""
    import dirfa

    audio = dirfa.load_audio(path)
    x = np.asarray(audio.samples[: int(seconds * audio.sample_rate_hz)], np.float64)
    out = tmp / f"{path.stem}_{seconds:g}s.wav"
    with wave.open(str(out), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(audio.sample_rate_hz)
        f.writeframes(np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes())
    return out


def load_revision(rev: str) -> object:
    """speech/coarticulation.py as of git revision `rev`, as a module beside the working tree's."""
    return results_md.module_at(rev, "src/dirfa/speech/coarticulation.py", "coarticulation_baseline")


@contextlib.contextmanager
def coarticulation_of(module: object | None) -> Iterator[None]:
    """api's coarticulation swapped for `module` while inside (None: the working tree's)."""
    from dirfa import api

    saved = api.coarticulation
    if module is not None:
        api.coarticulation = module
    try:
        yield
    finally:
        api.coarticulation = saved


def sheet(
    frames: list[np.ndarray], samples: np.ndarray, rate_hz: int, first: int, out: Path, title: str
) -> None:
    """24 frames (3 rows of 8) from `first`, each over the waveform of +-120 ms around it, its time marked."""
    import cv2
    from PIL import Image

    tiles = []
    for i in range(first, min(first + 24, len(frames))):
        tile = cv2.resize(frames[i], (160, 160), interpolation=cv2.INTER_AREA)
        wave_band = np.full((40, 160, 3), 255, np.uint8)
        t = i / FPS
        lo, hi = int((t - 0.12) * rate_hz), int((t + 0.12) * rate_hz)
        seg = np.zeros(hi - lo)
        a, b = max(lo, 0), min(hi, samples.shape[0])
        if b > a:
            seg[a - lo : b - lo] = samples[a:b]
        peak = max(float(np.abs(samples).max()), 1e-6)
        cols = np.array_split(seg, 160)
        for x, col in enumerate(cols):
            h = int(18 * float(np.abs(col).max()) / peak) if col.size else 0
            cv2.line(wave_band, (x, 20 - h), (x, 20 + h), (90, 90, 90), 1)
        cv2.line(wave_band, (80, 0), (80, 39), (220, 0, 0), 1)  # this frame's time
        cv2.putText(tile, f"{i} {t:.2f}s", (3, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
        tiles.append(np.concatenate([tile, wave_band]))
    while len(tiles) % 8:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.concatenate(tiles[k : k + 8], axis=1) for k in range(0, len(tiles), 8)]
    band = np.full((24, rows[0].shape[1], 3), 255, np.uint8)
    cv2.putText(band, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    Image.fromarray(np.concatenate([band, *rows])).save(out)


def mouth_crop(image: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray:
    """The lower face (nose tip to chin, 1.4 eye distances wide) of a frame: where the sheet looks."""
    if landmarks is None:
        return image
    eyes = float(np.linalg.norm(landmarks[33, :2] - landmarks[263, :2]))
    cx, cy = 0.5 * (landmarks[1, :2] + landmarks[152, :2])
    half = 0.7 * eyes
    h, w = image.shape[:2]
    x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
    return image[y0 : min(int(cy + half), h), x0 : min(int(cx + half), w)]


def onset_frame(loud: np.ndarray) -> int:
    """A frame ~10 frames before the first speech onset after 1 s that follows >= 0.2 s of pause (or after 1 s)."""
    speaking = loud > 0
    for i in range(int(1.0 * FPS), len(loud)):
        if speaking[i] and not speaking[max(0, i - 5) : i].any():
            return max(0, i - 10)
    return int(1.0 * FPS)


def measure(
    clip: Path,
    portraits: list[Path],
    *,
    size: int,
    variants: dict[str, object | None],
    sheet_dir: Path | None,
) -> list[list[object]]:
    """Rows (clip, portrait, variant, tracks r/lead, video r/lead) for one clip."""
    import dirfa
    from dirfa.face.landmarks import find_faces

    audio = dirfa.load_audio(clip)
    rows = []
    for name, module in variants.items():
        with coarticulation_of(module):
            speech = dirfa.analyze_speech(audio, fps=FPS)
        loud = np.asarray(speech.prosody.loudness, np.float64)[: speech.n_frames]
        for path in portraits:
            avatar = dirfa.open_avatar(path)
            tracks = dirfa.animate(audio, fps=FPS, speech=speech, portrait=avatar)
            c = tracks.curves
            aperture = np.asarray(c["jawOpen"], np.float64) * (1 - np.asarray(c["mouthClose"], np.float64))
            r0, lead, _ = lagged_r(aperture, loud)
            images, seen = [], []
            for frame in dirfa.frames(avatar, tracks, size=size, crop=True):
                faces = find_faces(frame.image)
                seen.append(video_aperture(faces[0]) if faces else np.nan)
                if sheet_dir is not None:
                    images.append(mouth_crop(frame.image, faces[0] if faces else None))
            seen = np.array(seen)
            v0, vlead, _ = lagged_r(seen, loud)
            rows.append(
                [
                    clip.stem[-24:],
                    path.name,
                    name,
                    f"{r0:.2f}",
                    f"{lead:+.0f}",
                    f"{v0:.2f}",
                    f"{vlead:+.0f}",
                    f"{np.isfinite(seen).mean():.0%}",
                ]
            )
            print(" | ".join(map(str, rows[-1])), flush=True)
            if sheet_dir is not None:
                first = onset_frame(loud)
                out = sheet_dir / f"mt_{clip.stem[-12:]}_{path.stem}_{name}.png"
                title = f"{clip.stem[-20:]} {path.name} {name}: frames {first}-{first + 23}, red = frame time"
                sheet(images, audio.samples, audio.sample_rate_hz, first, out, title)
    return rows


def transcripts() -> dict[str, str]:
    """LibriVox clip stem -> transcript (pocketsphinx-testdata's transcription file)."""
    out = {}
    path = TESTDATA / "librivox" / "transcription"
    for line in path.read_text().splitlines() if path.exists() else []:
        words, _, stem = line.rpartition("(")
        out[stem.strip(" )")] = words.replace("<s>", "").replace("</s>", "").strip()
    return out


def tracks_only(variants: dict[str, object | None]) -> tuple[str, str]:
    """Tracks r and lead over many takes, no rendering: every LibriVox clip of pocketsphinx-testdata audio only
    and with its transcript, and the two radio clips; each variant's mouth from the same speech analysis.
    Returns (per-take table, summary table)."""
    import dataclasses

    import dirfa

    takes = []
    for stem, text in sorted(transcripts().items()):
        takes += [
            (TESTDATA / "librivox" / f"{stem}.wav", None),
            (TESTDATA / "librivox" / f"{stem}.wav", text),
        ]
    takes += [(SHARED / "speech" / f"RD_Radio{k}_000.wav", None) for k in (36, 40)]
    per_take, pooled = [], {name: ([], [], []) for name in variants}
    masks: list[tuple[np.ndarray, np.ndarray]] = []  # (within speech, away from p/b/m) per take
    for path, text in takes:
        if not path.exists():
            continue
        audio = dirfa.load_audio(path)
        speech = dirfa.analyze_speech(audio, fps=FPS, text=text)
        loud = np.asarray(speech.prosody.loudness, np.float64)[: speech.n_frames]
        row = [path.stem[-16:], "text" if text else "audio"]
        # Speech at least 3 frames from a pause; frames at least 3 from a p/b/m (lip closures are acoustic
        # landmarks: the sound drops as the lips meet and returns as they part, so they cannot lead it).
        voiced = np.asarray(speech.prosody.speech, bool)[: speech.n_frames]
        inside = within_speech(voiced)
        away = (
            away_from_closures(speech.timeline, speech.n_frames)
            if speech.timeline is not None
            else np.ones(speech.n_frames, bool)
        )
        masks.append((inside, away))
        for name, module in variants.items():
            own = speech
            if module is not None and speech.timeline is not None:
                mouth = module.mouth_curves(
                    speech.timeline, speech.prosody, fps=FPS, n_frames=speech.n_frames
                )
                own = dataclasses.replace(
                    speech, mouth={k: np.asarray(v, np.float32) for k, v in mouth.items()}
                )
            c = dirfa.animate(audio, fps=FPS, text=text, seed=0, speech=own).curves
            jaw, close = np.asarray(c["jawOpen"], np.float64), np.asarray(c["mouthClose"], np.float64)
            aperture = jaw * (1 - close)
            r0, lead, _ = lagged_r(aperture, loud)
            row += [f"{r0:.2f}", f"{lead:+.0f}"]
            pooled[name][0].append(aperture)
            pooled[name][1].append(loud)
            pooled[name][2].append((r0, lead, jaw[close >= 0.95], pause_falls(aperture, voiced)))
        per_take.append(row)
        print(" | ".join(row), flush=True)
    header = ["take", "mode"] + [f"{name} {what}" for name in variants for what in ("r lag 0", "lead ms")]
    summary = []
    inside_all = np.concatenate([m[0] for m in masks]) if masks else np.zeros(0, bool)
    away_all = np.concatenate([m[1] for m in masks]) if masks else np.zeros(0, bool)
    for name, (apertures, louds, stats) in pooled.items():
        series = (np.concatenate(apertures), np.concatenate(louds))
        r0, lead, _ = lagged_r(*series)
        r_in, lead_in, _ = lagged_r(*series, where=inside_all)
        r_away, lead_away, _ = lagged_r(*series, where=away_all)
        r_both, lead_both, _ = lagged_r(*series, where=inside_all & away_all)
        leads = [s[1] for s in stats if np.isfinite(s[1])]
        shut = np.concatenate([s[2] for s in stats])
        falls = np.array([f for s in stats for f in s[3]])
        summary.append(
            [
                name,
                f"{np.median([s[0] for s in stats]):.2f} / {r0:.2f}",
                f"{np.median(leads):+.0f} / {lead:+.0f}",
                f"{r_in:.2f}, {lead_in:+.0f}",
                f"{r_away:.2f}, {lead_away:+.0f}",
                f"{r_both:.2f}, {lead_both:+.0f}",
                f"{shut.mean():.3f} / {np.percentile(shut, 90):.3f}" if shut.size else "-",
                f"{np.median(falls):.2f}, {int((falls > 0.3).sum())} of {falls.size}" if falls.size else "-",
            ]
        )
    summary_header = [
        "coarticulation",
        "r lag 0 median / pooled",
        "lead ms median / pooled",
        "within speech: r, lead",
        "away from p/b/m: r, lead",
        "both: r, lead",
        "jawOpen while the lips are shut: mean / 90th pct",
        "into pauses: fastest fall a frame (share, median), ends losing > 0.3",
    ]
    return results_md.table(header, per_take), results_md.table(summary_header, summary)


# Speech the acoustic path (speech.acoustic) animates: the shared non-English clips, and espeak-ng reading
# other languages (made here; skipped if espeak-ng is missing).
ACOUSTIC_CLIPS = ("japanese", "bus_chinese", "chinese_poem1", "eluosi", "fayu", "itosinger1")
ESPEAK_FOREIGN = {
    "de": "Guten Morgen, wie geht es Ihnen heute? Ich habe ein neues Buch gelesen.",
    "cmn": "今天天气很好，我们一起去公园散步吧。",
    "ru": "Здравствуйте, как у вас дела сегодня? Я люблю читать книги.",
    "ja": "こんにちは、今日はいい天気ですね。私は学生です。",
    "fr": "Bonjour, je voudrais un café s'il vous plaît. Il fait beau aujourd'hui.",
    "es": "Buenos días, ¿cómo estás? Mañana vamos a la playa con mis amigos.",
}


def half_rise(curve: np.ndarray) -> float:
    """Where (fractional frame, linear between frames) `curve` first reaches half its highest value."""
    half = curve.max() / 2
    i = int(np.argmax(curve >= half))
    if i == 0:
        return 0.0
    return i - 1 + (half - curve[i - 1]) / max(curve[i] - curve[i - 1], 1e-9)


def onset_leads(aperture: np.ndarray, loud: np.ndarray, speech: np.ndarray, pause: int = 8) -> list[float]:
    """Per phrase onset (speech after >= `pause` frames without it), ms by which the aperture's half-rise
    precedes the loudness's (half of each one's highest value in the 0.4 s after the onset; + = mouth first)."""
    out = []
    n = aperture.shape[0]
    for s in np.nonzero(~speech[:-1] & speech[1:])[0] + 1:
        if s < pause or speech[s - pause : s].any() or s + 10 > n:
            continue
        lo, hi = s - 8, min(n, s + 10)
        a, b = aperture[lo:hi], loud[lo:hi]
        if a.max() < 0.1 or b.max() <= 0:
            continue
        out.append((half_rise(b) - half_rise(a)) * 1000.0 / FPS)
    return out


def acoustic_takes(tmp: Path) -> list[tuple[str, Path]]:
    """(name, wav) of the shared non-English clips that exist and espeak-ng's foreign sentences."""
    import shutil
    import subprocess

    takes = [(name, SHARED / "speech" / f"{name}.wav") for name in ACOUSTIC_CLIPS]
    takes = [(name, path) for name, path in takes if path.exists()]
    exe = shutil.which("espeak-ng")
    for voice, text in ESPEAK_FOREIGN.items() if exe else ():
        out = tmp / f"espeak_{voice}.wav"
        subprocess.run([exe, "-v", voice, "-w", str(out), text], check=True, capture_output=True)
        takes.append((f"espeak {voice}", out))
    return takes


def acoustic_path(revision: str | None) -> tuple[str, str]:
    """The acoustic path's mouth (speech.acoustic.acoustic_curves, as `dirfa animate --language other`) on
    every take of acoustic_takes, the working tree's beside `revision`'s acoustic.py: r and lead against
    loudness, the onsets' lead, and how often the mouth is shut while the voice sounds. Returns (per-take
    table, summary table)."""
    import dirfa
    from dirfa.speech import acoustic
    from dirfa.speech import prosody as speech_prosody

    variants: dict[str, object] = {}
    if revision:
        variants[revision] = results_md.module_at(
            revision, "src/dirfa/speech/acoustic.py", "acoustic_baseline"
        )
    variants["now"] = acoustic
    per_take = []
    pooled: dict[str, list] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in acoustic_takes(Path(tmp)):
            audio = dirfa.load_audio(path)
            x = np.asarray(audio.samples, np.float64)
            n = int(np.ceil(x.size / audio.sample_rate_hz * FPS))
            prosody = speech_prosody.analyze(x, sample_rate_hz=audio.sample_rate_hz, fps=FPS, n_frames=n)
            loud = np.asarray(prosody.loudness, np.float64)[:n]
            speech = np.asarray(prosody.speech, bool)[:n]
            voiced = np.asarray(prosody.voiced, bool)[:n] & speech
            inside = within_speech(speech)
            row = [name]
            for label, module in variants.items():
                c = module.acoustic_curves(
                    x, sample_rate_hz=audio.sample_rate_hz, fps=FPS, n_frames=n, prosody=prosody
                )
                jaw = np.asarray(c["jawOpen"], np.float64)
                close = np.asarray(c["mouthClose"], np.float64)
                aperture = jaw * (1 - close)
                shut = (jaw < 0.2) | (close > 0.3)
                r0, lead, _ = lagged_r(aperture, loud)
                r_in, lead_in, _ = lagged_r(aperture, loud, where=inside)
                row += [f"{r0:.2f}, {lead:+.0f}", f"{r_in:.2f}, {lead_in:+.0f}", f"{shut[voiced].mean():.2f}"]
                pooled[label].append(
                    (
                        aperture,
                        loud,
                        inside,
                        shut[voiced],
                        onset_leads(aperture, loud, speech),
                        pause_falls(aperture, speech),
                    )
                )
            per_take.append(row)
            print(" | ".join(row), flush=True)
    header = ["take"] + [
        f"{label} {what}" for label in variants for what in ("r, lead", "in speech: r, lead", "shut voiced")
    ]
    summary = []
    for label, takes in pooled.items():
        a, b, w = (np.concatenate([t[k] for t in takes]) for k in range(3))
        r0, lead, _ = lagged_r(a, b)
        r_in, lead_in, _ = lagged_r(a, b, where=w)
        shut = np.concatenate([t[3] for t in takes])
        onsets = np.array([v for t in takes for v in t[4]])
        falls = np.array([v for t in takes for v in t[5]])
        summary.append(
            [
                label,
                f"{r0:.2f}, {lead:+.0f}",
                f"{r_in:.2f}, {lead_in:+.0f}",
                f"{np.median(onsets):+.0f} ({np.percentile(onsets, 25):+.0f} to {np.percentile(onsets, 75):+.0f}), n {onsets.size}"
                if onsets.size
                else "-",
                f"{shut.mean():.3f}",
                f"{np.median(falls):.2f}, {int((falls > 0.3).sum())} of {falls.size}" if falls.size else "-",
            ]
        )
    summary_header = [
        "acoustic.py",
        "pooled: r lag 0, lead ms",
        "within speech: r, lead ms",
        "phrase onsets: half-rise lead ms, median (quartiles)",
        "voiced frames shut (jaw < 0.2 or lips > 0.3)",
        "into pauses: fastest fall, ends losing > 0.3",
    ]
    return results_md.table(header, per_take), results_md.table(summary_header, summary)


# --- the acoustic path's lip closures against force-aligned phones (--acoustic-places) ---------------------

PLACE_BILABIAL = frozenset({"P", "B", "M"})
PLACE_OTHER = frozenset({"T", "D", "K", "G", "S", "Z", "N"})  # made with the tongue: the lips stay apart


def place_takes() -> list[tuple[str, Path, str]]:
    """(name, wav, transcript) of pocketsphinx-testdata's read English: the LibriVox and the cards clips."""
    import re

    takes = []
    for folder, listing in (("librivox", "transcription"), ("cards", "cards.transcription")):
        path = TESTDATA / folder / listing
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            match = re.match(r"<s> (.*?)\s*</s> \((.*)\)", line.strip())
            if match:
                takes.append(
                    (
                        f"{folder} {match.group(2)}",
                        TESTDATA / folder / f"{match.group(2)}.wav",
                        match.group(1),
                    )
                )
    return takes


def place_scores(closed: np.ndarray, timeline: object) -> dict[str, int]:
    """Counts for one take: p/b/m phones and those with a frame of lips shut (mouthClose > 0.3) among the frames
    showing them (a frame shows the sound LEAD_S after its time), the same for t/d/k/g/s/z/n not sharing a frame
    with a p/b/m, and the runs of shut frames, with those touching (within a frame) a p/b/m's frames."""
    from dirfa.speech.coarticulation import LEAD_S

    n = closed.shape[0]
    first = np.floor((np.asarray(timeline.start_s) - LEAD_S) * FPS).astype(int).clip(0, n - 1)
    last = np.ceil((np.asarray(timeline.end_s) - LEAD_S) * FPS).astype(int).clip(1, n)
    near = np.zeros(n, dtype=bool)
    for phone, a, b in zip(timeline.phones, first, last):
        if phone in PLACE_BILABIAL:
            near[a : b + 1] = True
    counts = dict.fromkeys(("pbm", "pbm_shut", "other", "other_shut", "runs", "runs_pbm"), 0)
    for phone, a, b in zip(timeline.phones, first, last):
        b = max(b, a + 1)
        if phone in PLACE_BILABIAL:
            counts["pbm"] += 1
            counts["pbm_shut"] += int(closed[a:b].any())
        elif phone in PLACE_OTHER and not near[a:b].any():
            counts["other"] += 1
            counts["other_shut"] += int(closed[a:b].any())
    edges = np.diff(np.concatenate([[0], closed.astype(np.int8), [0]]))
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        counts["runs"] += 1
        counts["runs_pbm"] += int(near[max(a - 1, 0) : b + 1].any())
    return counts


def acoustic_places(revision: str | None) -> tuple[str, str]:
    """The acoustic path's lip closures where real English puts p/b/m and t/d/k/g/s/z/n (testdata force-aligned
    by speech.phonemes.align, then put through speech.acoustic.acoustic_curves as a language the project does not
    know), and on acoustic_takes (non-English) the voiced frames shut, jaw steps > 0.15 a frame, one-frame jaw
    swings > 0.1 and lip closures; the working tree's acoustic.py beside `revision`'s. Returns (labelled table,
    non-English table)."""
    import dirfa
    from dirfa.speech import acoustic
    from dirfa.speech import prosody as speech_prosody
    from dirfa.speech.phonemes import align

    variants: dict[str, object] = {}
    if revision:
        variants[revision] = results_md.module_at(
            revision, "src/dirfa/speech/acoustic.py", "acoustic_baseline"
        )
    variants["now"] = acoustic

    def curves(module: object, x: np.ndarray, rate: int) -> tuple[dict, object, int]:
        n = int(np.ceil(x.size / rate * FPS))
        prosody = speech_prosody.analyze(x, sample_rate_hz=rate, fps=FPS, n_frames=n)
        return (
            module.acoustic_curves(x, sample_rate_hz=rate, fps=FPS, n_frames=n, prosody=prosody),
            prosody,
            n,
        )

    labelled = {
        label: dict.fromkeys(("pbm", "pbm_shut", "other", "other_shut", "runs", "runs_pbm"), 0)
        for label in variants
    }
    for _name, path, text in place_takes():
        audio = dirfa.load_audio(path)
        x = np.asarray(audio.samples, np.float64)
        timeline = align(x, sample_rate_hz=audio.sample_rate_hz, text=text)
        for label, module in variants.items():
            c, _, _ = curves(module, x, audio.sample_rate_hz)
            for key, value in place_scores(np.asarray(c["mouthClose"]) > 0.3, timeline).items():
                labelled[label][key] += value
    rows = []
    for label, t in labelled.items():
        rows.append(
            [
                label,
                f"{t['pbm_shut']}/{t['pbm']} ({t['pbm_shut'] / max(t['pbm'], 1):.2f})",
                f"{t['other_shut']}/{t['other']} ({t['other_shut'] / max(t['other'], 1):.2f})",
                f"{t['runs_pbm']}/{t['runs']} ({t['runs_pbm'] / max(t['runs'], 1):.2f})",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    place_table = results_md.table(
        [
            "acoustic.py",
            "p/b/m with lips shut (recall)",
            "t/d/k/g/s/z/n with lips shut",
            "closures at a p/b/m (precision)",
        ],
        rows,
    )
    foreign = {
        label: dict.fromkeys(("voiced", "shut", "lips", "steps", "swings", "closures"), 0)
        for label in variants
    }
    with tempfile.TemporaryDirectory() as tmp:
        for _, path in acoustic_takes(Path(tmp)):
            audio = dirfa.load_audio(path)
            x = np.asarray(audio.samples, np.float64)
            for label, module in variants.items():
                c, prosody, n = curves(module, x, audio.sample_rate_hz)
                voiced = np.asarray(prosody.voiced, bool)[:n] & np.asarray(prosody.speech, bool)[:n]
                jaw = np.asarray(c["jawOpen"], np.float64)
                lips = np.asarray(c["mouthClose"], np.float64) > 0.3
                f = foreign[label]
                f["voiced"] += int(voiced.sum())
                f["shut"] += int(((jaw < 0.2) | lips)[voiced].sum())
                f["lips"] += int(lips[voiced].sum())
                f["steps"] += int((np.abs(np.diff(jaw)) > 0.15).sum())
                low, high = np.minimum(jaw[:-2], jaw[2:]), np.maximum(jaw[:-2], jaw[2:])
                f["swings"] += int(((jaw[1:-1] > high + 0.1) | (jaw[1:-1] < low - 0.1)).sum())
                f["closures"] += int((np.diff(np.concatenate([[0], lips.astype(np.int8)])) == 1).sum())
    rows = [
        [
            label,
            f"{f['shut'] / max(f['voiced'], 1):.3f} ({f['lips'] / max(f['voiced'], 1):.3f})",
            f["steps"],
            f["swings"],
            f["closures"],
        ]
        for label, f in foreign.items()
    ]
    foreign_table = results_md.table(
        [
            "acoustic.py",
            "voiced frames shut: jaw < 0.2 or lips > 0.3 (lips alone)",
            "jaw steps > 0.15 a frame",
            "one-frame jaw swings > 0.1",
            "lip closures",
        ],
        rows,
    )
    return place_table, foreign_table


# --- what drives the opening: the phones or the loudness (--drivers) -----------------------------------------


def phone_openness(timeline: object, n_frames: int) -> np.ndarray:
    """(n_frames,) the opening the aligned phones ask for at each frame's time (no lead): the phone path's viseme
    table (speech.visemes: jawOpen * (1 - mouthClose) of the phone's class, e.g. AA 0.62, EH 0.35, IY 0.15, t/d/s
    0.1, p/b/m 0), a diphthong gliding between its two visemes, silence 0. English ground truth for scoring only."""
    from dirfa.speech.visemes import DIPHTHONGS, PHONE_TO_VISEME, VISEME_TARGETS

    def opening(viseme: str) -> float:
        target = VISEME_TARGETS[viseme]
        return target["jawOpen"] * (1.0 - target["mouthClose"])

    out = np.zeros(n_frames)
    t = np.arange(n_frames) / FPS
    for phone, start, end in zip(timeline.phones, timeline.start_s, timeline.end_s):
        inside = (t >= start) & (t < end)
        if not inside.any() or phone not in PHONE_TO_VISEME:
            continue
        if phone in DIPHTHONGS:
            a, b = (opening(v) for v in DIPHTHONGS[phone])
            out[inside] = a + (b - a) * (t[inside] - start) / max(end - start, 1e-6)
        else:
            out[inside] = opening(PHONE_TO_VISEME[phone])
    return out


def partial_r(a: np.ndarray, x: np.ndarray, z: np.ndarray) -> float:
    """The correlation of a and x with z held fixed (each one's linear dependence on z removed)."""
    r_ax, r_az, r_xz = (float(np.corrcoef(p, q)[0, 1]) for p, q in ((a, x), (a, z), (x, z)))
    return (r_ax - r_az * r_xz) / max(np.sqrt((1 - r_az**2) * (1 - r_xz**2)), 1e-9)


def driver_stats(
    aperture: np.ndarray, phones: np.ndarray, loud: np.ndarray, where: np.ndarray, lag: int
) -> dict:
    """r and partial r of the aperture at frame i with the phones' openness and the loudness at frame i + lag
    (+ = the mouth leads), over the pairs of frames both in `where`."""
    n = aperture.shape[0]
    a = aperture[: n - lag] if lag else aperture
    p, q = phones[lag:], loud[lag:]
    both = where[: n - lag] & where[lag:]
    a, p, q = a[both], p[both], q[both]
    return {
        "phones": float(np.corrcoef(a, p)[0, 1]),
        "loud": float(np.corrcoef(a, q)[0, 1]),
        "phones|loud": partial_r(a, p, q),
        "loud|phones": partial_r(a, q, p),
        "phones~loud": float(np.corrcoef(p, q)[0, 1]),
    }


def drivers(revision: str | None) -> tuple[str, str]:
    """Whether the opening is driven by the phones more than by the loudness (issue 13), on pocketsphinx-testdata's
    read English force-aligned to its transcripts (as --acoustic-places): per frame the aperture jawOpen * (1 -
    mouthClose) of the acoustic path (acoustic_curves, as a language the project does not know; the working
    tree's beside `revision`'s) and of the phone path (coarticulation.mouth_curves on the aligned phones), the
    loudness (speech.prosody) and the phones' openness (phone_openness). Within speech (3+ frames from a
    pause), pooled over the takes: r with each, and each partial r with the other held fixed, at lag 0 and with
    the mouth 2 frames (80 ms, a real speaker's anticipation) ahead. Returns (pooled table, per-take table)."""
    import dirfa
    from dirfa.speech import acoustic, coarticulation
    from dirfa.speech import prosody as speech_prosody
    from dirfa.speech.phonemes import align

    variants: dict[str, object] = {}
    if revision:
        variants[f"acoustic {revision}"] = results_md.module_at(
            revision, "src/dirfa/speech/acoustic.py", "acoustic_baseline"
        )
    variants["acoustic now"] = acoustic
    variants["phone path now"] = coarticulation
    series: dict[str, list[np.ndarray]] = {label: [] for label in variants}
    drivers_, per_take = [], []
    takes = place_takes()
    if not takes:
        raise SystemExit(
            f"mouth_timing.py: --drivers needs pocketsphinx-testdata's transcribed clips ({TESTDATA})"
        )
    for name, path, text in takes:
        audio = dirfa.load_audio(path)
        x = np.asarray(audio.samples, np.float64)
        rate = audio.sample_rate_hz
        n = int(np.ceil(x.size / rate * FPS))
        prosody = speech_prosody.analyze(x, sample_rate_hz=rate, fps=FPS, n_frames=n)
        timeline = align(x, sample_rate_hz=rate, text=text)
        loud = np.asarray(prosody.loudness, np.float64)[:n]
        speech = np.asarray(prosody.speech, bool)[:n]
        inside = within_speech(speech)
        phones = phone_openness(timeline, n)
        drivers_.append((phones, loud, inside))
        row = [name.replace("sense_and_sensibility_01_austen_64kb-", ""), f"{int(inside.sum())}"]
        for label, module in variants.items():
            if module is coarticulation:
                c = module.mouth_curves(timeline, prosody, fps=FPS, n_frames=n)
            else:
                c = module.acoustic_curves(x, sample_rate_hz=rate, fps=FPS, n_frames=n, prosody=prosody)
            aperture = np.asarray(c["jawOpen"], np.float64) * (1 - np.asarray(c["mouthClose"], np.float64))
            series[label].append(aperture)
            s = driver_stats(aperture, phones, loud, inside, 0)
            row.append(f"{s['phones|loud']:.2f} / {s['loud|phones']:.2f}")
        per_take.append(row)
        print(" | ".join(row), flush=True)
    phones, loud, inside = (np.concatenate([d[k] for d in drivers_]) for k in range(3))
    rows = []
    for label, apertures in series.items():
        aperture = np.concatenate(apertures)
        whole = float(np.corrcoef(aperture, loud)[0, 1])
        for lag in (0, 2):
            s = driver_stats(aperture, phones, loud, inside, lag)
            rows.append(
                [
                    label,
                    f"{lag * 1000 // FPS:+d}",
                    f"{whole:.2f}" if lag == 0 else "",
                    f"{s['phones']:.2f}",
                    f"{s['loud']:.2f}",
                    f"{s['phones|loud']:.2f}",
                    f"{s['loud|phones']:.2f}",
                    "phones" if s["phones|loud"] > s["loud|phones"] else "loudness",
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
    s = driver_stats(phones, phones, loud, inside, 0)
    pooled = results_md.table(
        [
            "mouth",
            "mouth ahead ms",
            "whole clip: r with loudness",
            "in speech: r with phones",
            "r with loudness",
            "partial r phones (loudness fixed)",
            "partial r loudness (phones fixed)",
            "driven more by",
        ],
        rows,
    )
    pooled += f"\n\n(In speech the phones' openness and the loudness themselves correlate r {s['phones~loud']:.2f}.)"
    per_take_table = results_md.table(
        ["take", "frames in speech", *(f"{label}: partial r phones / loudness" for label in variants)],
        per_take,
    )
    return pooled, per_take_table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", metavar="REV", help="also the coarticulation of this git revision")
    parser.add_argument("--portrait", type=Path, action="append", default=[])
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--seconds", type=float, default=7.0)
    parser.add_argument("--sheet", type=Path, help="write contact sheets (PNG) to this folder")
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument(
        "--tracks-only",
        action="store_true",
        help="only the tracks, over every LibriVox clip (audio only and --text) and both radio clips (no video)",
    )
    parser.add_argument(
        "--acoustic",
        action="store_true",
        help="only the acoustic path's tracks (non-English shared clips, espeak-ng foreign speech)",
    )
    parser.add_argument(
        "--acoustic-places",
        action="store_true",
        help="only the acoustic path's lip closures at force-aligned p/b/m vs t/d/k/g/s/z/n (testdata English)",
    )
    parser.add_argument(
        "--drivers",
        action="store_true",
        help="only whether the opening follows the phones more than the loudness (testdata English, both paths)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.drivers:
        pooled, per_take = drivers(args.baseline)
        elapsed = time.perf_counter() - started
        print(f"\n{pooled}\n\n{per_take}\n\n({elapsed:.0f} s)")
        if not args.no_append:
            results_md.append(
                "What drives the opening: phones or loudness (benchmarks/mouth_timing.py --drivers)",
                "pocketsphinx-testdata read English (5 LibriVox + 5 cards clips) force-aligned to its transcripts by "
                "speech.phonemes.align. Per frame: the aperture jawOpen * (1 - mouthClose) of the acoustic path "
                "(acoustic_curves, as `--language` other, no recognised phones) and of the phone path "
                "(coarticulation.mouth_curves on the aligned phones); speech.prosody loudness; and the phones' "
                "openness at the frame's time (the viseme table's jawOpen * (1 - mouthClose) of the aligned phone; "
                "scoring only, never fed to either path). Within speech (3+ frames from a pause), pooled over the "
                "takes: r with each, and partial r of each with the other held fixed; the mouth at lag 0 and 2 "
                "frames ahead of both. Driven by the phones more than by loudness = partial r phones > partial r "
                f"loudness. Total {elapsed:.0f} s.\n\n" + pooled + "\n\n" + per_take,
                command=" ".join(["benchmarks/mouth_timing.py", *sys.argv[1:]]),
            )
        return
    if args.acoustic_places:
        place_table, foreign_table = acoustic_places(args.baseline)
        elapsed = time.perf_counter() - started
        print(f"\n{place_table}\n\n{foreign_table}\n\n({elapsed:.0f} s)")
        if not args.no_append:
            results_md.append(
                "Acoustic path lip closures by place (benchmarks/mouth_timing.py --acoustic-places)",
                "pocketsphinx-testdata read English (5 LibriVox + 5 cards clips) force-aligned to its transcripts "
                "by speech.phonemes.align, then put through speech.acoustic.acoustic_curves (as `--language other`): "
                "a phone counts as shut if a frame showing it has mouthClose > 0.3. Then the shared non-English "
                f"clips and espeak-ng foreign speech (as --acoustic). Total {elapsed:.0f} s.\n\n"
                + place_table
                + "\n\n"
                + foreign_table,
                command=" ".join(["benchmarks/mouth_timing.py", *sys.argv[1:]]),
            )
        return
    if args.acoustic:
        per_take, summary = acoustic_path(args.baseline)
        elapsed = time.perf_counter() - started
        print(f"\n{per_take}\n\n{summary}\n\n({elapsed:.0f} s)")
        if not args.no_append:
            results_md.append(
                "Acoustic path mouth timing (benchmarks/mouth_timing.py --acoustic)",
                "speech.acoustic.acoustic_curves on the shared non-English clips and espeak-ng foreign speech; "
                "aperture jawOpen * (1 - mouthClose) against speech.prosody loudness (see --tracks-only). "
                f"Real speakers (issue 13): r 0.16-0.28, lead ~80 ms. Total {elapsed:.0f} s."
                + "\n\n"
                + summary
                + "\n\n"
                + per_take,
                command=" ".join(["benchmarks/mouth_timing.py", *sys.argv[1:]]),
            )
        return
    portraits = args.portrait or list(PORTRAITS)
    variants: dict[str, object | None] = {}
    if args.baseline:
        variants[args.baseline] = load_revision(args.baseline)
    variants["now"] = None
    if args.tracks_only:
        per_take, summary = tracks_only(variants)
        elapsed = time.perf_counter() - started
        print(f"\n{per_take}\n\n{summary}\n\n({elapsed:.0f} s)")
        if not args.no_append:
            method = (
                "Tracks only (no video): `dirfa.animate` (seed 0) of the 5 LibriVox clips, audio only and with "
                "--text, and RD_Radio36/40; each coarticulation's mouth from the same speech analysis. Aperture "
                "jawOpen * (1 - mouthClose) against speech.prosody loudness: r at lag 0 and the lag of the best r "
                "(sub-frame, + = mouth leads; +-inf: no peak within +-200 ms), per take, then the median over the "
                "takes and pooled (all takes' frames in one series); pooled again over pairs of frames both "
                "within speech (3+ frames from a pause), both 3+ frames from any p/b/m of the take's phones, and "
                "both. Jaw while shut: jawOpen on frames with mouthClose >= 0.95. Into pauses: per phrase end "
                "opened past 0.2, the largest one-frame fall of the aperture over that opening (pause_falls). "
                "Real speakers (issue 13): r "
                f"0.16-0.28, lead ~80 ms. Total {elapsed:.0f} s."
            )
            results_md.append(
                "Mouth timing on the tracks of 12 takes (benchmarks/mouth_timing.py --tracks-only)",
                method + "\n\n" + summary + "\n\n" + per_take,
                command=" ".join(["benchmarks/mouth_timing.py", *sys.argv[1:]]),
            )
        return
    if args.sheet:
        args.sheet.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in CLIPS:
            if clip.exists():
                cut = cut_clip(clip, args.seconds, Path(tmp))
                rows += measure(cut, portraits, size=args.size, variants=variants, sheet_dir=args.sheet)
    header = [
        "clip",
        "portrait",
        "coarticulation",
        "tracks r lag 0",
        "tracks lead ms",
        "video r lag 0",
        "video lead ms",
        "face found",
    ]
    table = results_md.table(header, rows)
    elapsed = time.perf_counter() - started
    print(f"\n{table}\n\n({elapsed:.0f} s)")
    if not args.no_append:
        method = (
            f"First {args.seconds:g} s of each clip, `dirfa.animate` (default seed), `dirfa.frames` --crop "
            f"--size {args.size} (frames in memory, not encoded); aperture on the tracks jawOpen * (1 - "
            "mouthClose), on the video the re-detected inner-lip gap (mediapipe face mesh 13-14) over the eye "
            "distance (33-263); both against speech.prosody loudness, r at lag 0 and the lag of the best r "
            "(sub-frame, + = mouth leads; +-inf: no peak within +-200 ms). Real speakers (issue 13): r "
            "0.16-0.28, lead ~80 ms. "
            f"Total {elapsed:.0f} s; measured while other work shared the 2 cores."
        )
        results_md.append(
            "Mouth timing on tracks and video (benchmarks/mouth_timing.py)",
            method + "\n\n" + table,
            command=" ".join(["benchmarks/mouth_timing.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
