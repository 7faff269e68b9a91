"""`dirfa say` benchmark (issue 12): lip sync on synthesised speech, time to MP4, time to first phrase, RTF.

1. Lip sync: each sentence set is said (dirfa.say) and rendered (--crop), the face re-detected in every frame
   of the MP4 and scored against the synthesiser's own phone times with benchmarks/lipsync.py's measures
   (p/b/m closed, open vowels opened, lag by cross-correlation with the sound's envelope).
2. Time from command to finished MP4 for a 10-word sentence at 512 px (`dirfa say` in a fresh process),
   beside `dirfa animate` of the same voice saved as WAV (the recognition path) in the same run.
3. Time to the first synthesised phrase of a 5-sentence text, cold (new process) and warm; RTF per voice.

    .venv/bin/python benchmarks/say.py [--portrait FACE.jpg] [--size 320] [--no-append]

Measures only: it never fails on a target. Targets (issue 12): p/b/m closed 100 %, open vowels >= 95 %,
lag within half a frame.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lipsync
import results_md

REPO = results_md.REPO
DIRFA = REPO / ".venv" / "bin" / "dirfa"
PYTHON = REPO / ".venv" / "bin" / "python"
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"

# (name, voice, text): three English sets (two voices), and sets in three other languages.
SETS = [
    ("en slt: bilabials", "slt", "Bob met Pam by the map. Maybe my mom will bring a bowl of plums."),
    (
        "en slt: Harvard",
        "slt",
        "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.",
    ),
    (
        "en kal: everyday",
        "kal",
        "Please remember to bring your umbrella tomorrow. The bus comes at half past nine.",
    ),
    ("en rms: flite", "rms", "A big black bear sat on a bench by the pond and ate a peach."),
    ("de", "espeak-de", "Meine Mama backt am Montag einen Apfelkuchen. Bitte bring mir die Butter."),
    ("es", "espeak-es", "Mi papá compra pan y manzanas en el mercado. Me parece muy bien."),
    ("fr", "espeak-fr-fr", "Mon ami Paul boit une bière au bord de la mer. Bonne soirée à vous."),
]
TEN_WORDS = "Hello, my name is Sam and I am happy to meet you."
FIVE_SENTENCES = (
    "Good morning and welcome. Today we will look at the plan for the week. There are three things to do. "
    "First, we pack the boxes. Then we meet the team at noon."
)
RTF_TEXT = "The quick brown fox jumps over the lazy dog, and then it runs back home to rest."
RTF_TEXTS = {
    "de": "Der schnelle braune Fuchs springt über den faulen Hund und läuft dann nach Hause.",
    "cmn": "今天天气很好，我们去公园散步吧。",
}
RTF_VOICES = ["slt", "kal", "rms", "awb", "flite-slt", "flite-kal", "espeak-en-us", "espeak-de", "espeak-cmn"]


def lip_sync(portrait: Path, size: int, fps: int, tmp: Path) -> tuple[str, list[str]]:
    import dirfa
    from dirfa.media.video import read_video_frames

    ref = lipsync.rest_gaps(portrait, size=size, tmp=tmp)
    rest = ref["rest"]
    calib = ", ".join(f"{k} {v:.3f}" for k, v in ref.items())
    rows, misses = [], []
    total = lipsync.Score()
    loaded = dirfa.load_portrait(portrait)
    for name, voice, text in SETS:
        t0 = time.perf_counter()
        said = dirfa.say(loaded, text, voice=voice, fps=fps)
        out = tmp / "say.mp4"
        dirfa.render(loaded, said.tracks, out, audio=said.audio, crop=True, size=size)
        render_s = time.perf_counter() - t0
        gaps = lipsync.detect_gaps(read_video_frames(out))
        audio = said.audio
        env = lipsync.envelope(audio.samples, audio.sample_rate_hz, fps=fps, n_frames=len(gaps))
        score = lipsync.score_clip(gaps, said.synthesis.timeline, env, rest=rest, fps=fps, clip=name)
        score.render_s, score.duration_s = render_s, audio.duration_s
        rows.append(lipsync.row(name, score, fps))
        total.add(score)
        misses += score.misses
    rows.append(lipsync.row("all", total, fps))
    table = results_md.table(lipsync.HEADER, rows)
    text = (
        f"{portrait.name}, --crop --size {size} --fps {fps}. Re-detected lip gap (mouth widths): {calib}; "
        f"closed below {rest + lipsync.CLOSED_ABOVE_REST:.3f}, open above {rest + lipsync.OPEN_ABOVE_REST:.3f}."
        f"\n\n{table}\n"
    )
    if misses:
        text += (
            "\nMisses: "
            + "; ".join(misses[:12])
            + (f"; and {len(misses) - 12} more" if len(misses) > 12 else "")
            + ".\n"
        )
    return text, misses


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return elapsed


def time_to_mp4(portrait: Path, tmp: Path) -> str:
    wav = tmp / "ten.wav"
    say_cmd = [str(DIRFA), "say", str(portrait), TEN_WORDS, "-o", str(tmp / "ten.mp4"), "--size", "512", "-q"]
    say_s = min(_run(say_cmd + ["--save-audio", str(wav)]), _run(say_cmd))
    animate_cmd = [
        str(DIRFA),
        "animate",
        str(portrait),
        str(wav),
        "-o",
        str(tmp / "ten_a.mp4"),
        "--size",
        "512",
        "-q",
    ]
    animate_s = min(_run(animate_cmd), _run(animate_cmd))
    import dirfa

    audio_s = dirfa.load_audio(wav).duration_s
    rows = [
        ["dirfa say (text -> MP4)", f"{say_s:.1f}", f"{audio_s / say_s:.2f}x", "1.00"],
        [
            "dirfa animate (its WAV -> MP4)",
            f"{animate_s:.1f}",
            f"{audio_s / animate_s:.2f}x",
            f"{animate_s / say_s:.2f}",
        ],
    ]
    header = ["command", "wall s (best of 2)", "speed (audio s / wall s)", "time vs say"]
    return (
        f"10 words ({TEN_WORDS!r}, {audio_s:.2f} s with slt) on {portrait.name} at --size 512, fresh process each:\n\n"
        + results_md.table(header, rows)
        + "\n"
    )


_FIRST_PHRASE = """
import sys, time
t0 = time.perf_counter()
from dirfa.voice import synthesize_phrases
t1 = time.perf_counter()
phrases = synthesize_phrases(sys.argv[1], voice=sys.argv[2])
first = next(phrases)
t2 = time.perf_counter()
rest = list(phrases)
t3 = time.perf_counter()
second = next(synthesize_phrases(sys.argv[1], voice=sys.argv[2]))
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t0, t4 - t3, first.audio.duration_s, sum(p.audio.duration_s for p in rest) + first.audio.duration_s)
"""


def first_phrase() -> str:
    rows = []
    for voice in ("slt", "rms", "espeak-en-us"):
        out = subprocess.run(
            [str(PYTHON), "-c", _FIRST_PHRASE, FIVE_SENTENCES, voice],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        imp, first, whole, warm, first_s, total_s = (float(x) for x in out)
        rows.append(
            [
                voice,
                f"{imp:.2f}",
                f"{first:.2f}",
                f"{warm:.3f}",
                f"{whole:.2f}",
                f"{first_s:.2f}",
                f"{total_s:.1f}",
            ]
        )
    header = ["voice", "import s", "first phrase s (cold)", "first phrase s (warm)", "all 5 phrases s (incl. import)",
              "first phrase audio s", "all audio s"]  # fmt: skip
    return (
        "Time to the first phrase of a 5-sentence text (synthesize_phrases; cold = first call in a new process, "
        "festival's start included; warm = the next call):\n\n" + results_md.table(header, rows) + "\n"
    )


def rtf() -> str:
    from dirfa.voice import find_voice, synthesize

    rows = []
    for name in RTF_VOICES:
        try:
            voice = find_voice(name)
        except Exception as exc:  # noqa: BLE001 - a voice not installed here
            rows.append([name, "-", "-", "-", f"not available: {exc}"])
            continue
        text = RTF_TEXTS.get(voice.language.split("-")[0], RTF_TEXT)
        synthesize(text, voice=name)  # warm: the festival process started, libraries loaded
        best = min(_timed(synthesize, text, name) for _ in range(3))
        s = synthesize(text, voice=name)
        rows.append(
            [
                name,
                voice.engine,
                f"{s.audio.duration_s:.2f}",
                f"{best:.3f}",
                f"{best / s.audio.duration_s:.3f}",
            ]
        )
    header = ["voice", "engine", "audio s", "synthesis s (best of 3, warm)", "RTF"]
    return (
        "Synthesis real-time factor (synthesis time / audio time; lower is faster):\n\n"
        + results_md.table(header, rows)
        + "\n"
    )


def _timed(fn, text: str, voice: str) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn(text, voice=voice)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portrait", type=Path, action="append", default=[], help="also this portrait")
    parser.add_argument(
        "--size", type=int, default=320, help="output width of the lip-sync renders (default 320)"
    )
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--skip-lipsync", action="store_true")
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    sections = []
    load = results_md.load()
    with tempfile.TemporaryDirectory(prefix="dirfa-say-") as folder:
        tmp = Path(folder)
        if not args.skip_lipsync:
            for portrait in [EXAMPLE_PORTRAIT, *args.portrait]:
                text, misses = lip_sync(portrait, args.size, args.fps, tmp)
                print(text)
                for miss in misses:
                    print("  miss:", miss)
                sections.append(text)
        for part in (time_to_mp4(EXAMPLE_PORTRAIT, tmp), first_phrase(), rtf()):
            print(part)
            sections.append(part)
    elapsed = time.perf_counter() - started
    print(f"benchmark took {elapsed:.0f} s; load average at start {load}")
    if not args.no_append:
        method = (
            "Lip sync: dirfa.say then dirfa.render (--crop) per sentence set; the face re-detected in every decoded "
            "frame and scored by benchmarks/lipsync.py's score_clip against the synthesiser's own phone timeline "
            "(the ground truth here: the audio is made from it). A p/b/m counts as closed when some frame within the "
            "phone (widened half a frame each side) is below the closed threshold; an open vowel (>= 60 ms) as "
            "opened when one is above the open threshold; lag: cross-correlation of the gap curve with the RMS "
            f"envelope (+ = video leads). Load average at start: {load}"
            f"{' (other work shared the 2 cores)' if load != '?' and float(load) > 0.5 else ''}. Total {elapsed:.0f} s."
        )
        results_md.append(
            "Say: synthesised speech (benchmarks/say.py)",
            method + "\n\n" + "\n".join(sections),
            command=" ".join(["benchmarks/say.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
