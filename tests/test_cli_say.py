"""`dirfa say` and `dirfa voices` end to end: typed text -> an MP4 whose re-detected lips shut on every
p/b/m and open on the vowels at the synthesiser's own phone times; and every bad input as one line, exit 2."""

from __future__ import annotations

import json
import re
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dirfa.media.video import probe_video, read_video_frames

FPS = 25
# Bilabials and open vowels in one short sentence (slt speaks it in ~2.8 s).
SENTENCE = "Bob met Pam by the map. Maybe ma!"
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "EY", "OW"})
# Re-detected inner-lip gap in mouth widths (13-14 over 61-291). On this portrait (benchmarks/RESULTS.md,
# lip sync): lips pressed (mouthClose 1) ~0.02, the photo's own parted lips ~0.165, jawOpen .3 ~0.13, .6 ~0.2.
CLOSED_BELOW = 0.06
OPEN_ABOVE = 0.12


@dataclass(frozen=True)
class Said:
    run: object
    video: Path
    wav: Path
    cues: Path
    animation: Path


@pytest.fixture(scope="module")
def said(portrait_jpg, cli, tmp_path_factory) -> Said:
    folder = tmp_path_factory.mktemp("say")
    video, wav, cues, animation = (folder / n for n in ("say.mp4", "say.wav", "cues.json", "anim.json"))
    run = cli(
        "say", portrait_jpg, SENTENCE, "-o", video, "--crop", "--size", "256", "--save-audio", wav,
        "--export-visemes", cues, "--viseme-set", "rhubarb", "--save-animation", animation, "-q",
    )  # fmt: skip
    assert run.code == 0, run.err
    return Said(run, video, wav, cues, animation)


def _gaps(video: Path) -> np.ndarray:
    from dirfa.face.landmarks import find_faces

    gaps = []
    for frame in read_video_frames(video):
        faces = find_faces(frame)
        if not faces:
            gaps.append(np.nan)
            continue
        lm = faces[0]
        width = np.linalg.norm(lm[61, :2] - lm[291, :2])
        gaps.append(float(np.linalg.norm(lm[13, :2] - lm[14, :2]) / max(width, 1e-6)))
    return np.array(gaps)


def test_say_writes_video_voice_and_cues_of_one_length(said: Said) -> None:
    assert said.run.out == "" and said.run.err == ""
    info = probe_video(said.video)
    with wave.open(str(said.wav)) as w:
        wav_s, rate = w.getnframes() / w.getframerate(), w.getframerate()
    assert rate == 32000  # festival slt's own rate, not the 16 kHz analysis copy
    assert info.audio_codec == "aac" and info.audio_sample_rate_hz == 32000
    assert abs(info.n_frames / FPS - wav_s) <= 1 / FPS
    assert abs(info.audio_duration_s - wav_s) < 0.05
    cues = json.loads(said.cues.read_text())
    assert cues["metadata"]["soundFile"] == str(said.wav)
    assert {c["value"] for c in cues["mouthCues"]} >= {"A", "X"}


def test_lips_shut_on_every_bilabial_and_open_on_vowels(said: Said) -> None:
    import dirfa

    synthesis = dirfa.synthesize(SENTENCE)  # the same voice, text and (deterministic) timeline
    gaps = _gaps(said.video)
    assert np.isfinite(gaps).all()
    t = np.arange(len(gaps)) / FPS
    half = 0.5 / FPS
    tl = synthesis.timeline
    closed, opened, bilabials, vowels = 0, 0, 0, 0
    for phone, start, end in zip(tl.phones, tl.start_s, tl.end_s):
        window = gaps[(t >= start - half) & (t <= end + half)]
        if phone in ("P", "B", "M"):
            bilabials += 1
            closed += int(window.min() < CLOSED_BELOW)
        elif phone in OPEN_VOWELS and end - start >= 0.06:
            vowels += 1
            opened += int(window.max() > OPEN_ABOVE)
    assert bilabials >= 8 and vowels >= 5
    assert closed == bilabials, f"{closed}/{bilabials} p/b/m closed"
    assert opened >= 0.9 * vowels, f"{opened}/{vowels} open vowels opened"


def test_say_stops_its_voice_once_the_speech_is_made(portrait_jpg, cli, tmp_path) -> None:
    """festival is needed only for the speech: `dirfa say` stops it then, in the background (a process ending
    while the speech is analysed), not in the exit handlers after the last frame."""
    import time

    from dirfa.voice import festival

    run = cli("say", portrait_jpg, "Hi there.", "-o", tmp_path / "hi.mp4", "--size", "128", "-q")
    assert run.code == 0, run.err
    deadline = time.monotonic() + 30
    while festival._SERVERS and time.monotonic() < deadline:
        time.sleep(0.02)
    assert festival._SERVERS == {}


def test_markup_emotion_reaches_the_animation() -> None:
    import dirfa

    said = dirfa.say(None, "[happy] Hello there. [sad] Oh no.", voice="rms")
    smile = said.tracks.get("mouthSmileLeft")
    frown = said.tracks.get("mouthFrownLeft")
    keys = said.synthesis.expressions.keys
    sad_frame = round(keys[1][0] * FPS)
    assert smile[:sad_frame].max() > 0.5 and smile[-1] < 0.1
    assert frown[-1] > 0.5
    assert said.speech.method == "synthesis"


def test_voices_lists_engines_languages_and_sexes(cli) -> None:
    run = cli("voices")
    assert run.code == 0
    lines = run.out.splitlines()
    assert any(line.startswith("slt ") and "female" in line and "(default)" in line for line in lines)
    assert any(line.startswith("espeak-de ") for line in lines)
    # A table: the sex column starts at the same place on every line, long language codes included.
    assert len({len(re.match(r"\S+\s+\S+\s+", line).group()) for line in lines}) == 1
    listing = json.loads(cli("voices", "--json").out)
    assert {"name", "engine", "language", "sex", "description"} == set(listing[0])


def test_text_from_stdin_and_file(portrait_jpg, cli, tmp_path, monkeypatch) -> None:
    import io
    import sys

    text_file = tmp_path / "t.txt"
    text_file.write_text("Hallo.", encoding="utf-8")
    out = tmp_path / "f.mp4"
    run = cli(
        "say", portrait_jpg, "--text-file", text_file, "--language", "de", "-o", out, "--size", "128", "-q"
    )
    assert run.code == 0, run.err
    assert probe_video(out).n_frames > 5
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Hola.")))
    out = tmp_path / "s.mp4"
    run = cli("say", portrait_jpg, "-", "--language", "es", "-o", out, "--size", "128", "-q")
    assert run.code == 0, run.err


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-say")
    latin1 = folder / "latin1.txt"
    latin1.write_bytes("caf\xe9 au lait".encode("latin-1"))
    long = folder / "long.txt"
    long.write_text("word " * 1200, encoding="utf-8")
    binary = folder / "binary.txt"  # longer than the limit too: still reported as not text
    binary.write_bytes(bytes(range(256)) * 100)
    return {"latin1": latin1, "long": long, "missing": folder / "nope.txt", "binary": binary}


BAD = {
    "empty text": (["   "], "empty"),
    "too long": (["word " * 1200], "5000"),
    "unknown voice": (["hi", "--voice", "bob"], "unknown voice 'bob'"),
    "unknown language": (["hi", "--language", "xx"], "no installed voice speaks 'xx'"),
    "malformed tag": (["hi [hapy] there"], "[hapy] at character 4"),
    "missing text file": (["--text-file", "{missing}"], "does not exist"),
    "non-UTF-8 text file": (["--text-file", "{latin1}"], "not UTF-8"),
    "text file over the limit": (["--text-file", "{long}"], "5000"),
    "binary text file": (["--text-file", "{binary}"], "not UTF-8"),
    "text file is a folder": (["--text-file", "{folder}"], "is a folder"),
    "no text": ([], "give the text"),
    "rate out of range": (["hi", "--rate", "9"], "--rate 9"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_line_status_2_and_no_files(case, portrait_jpg, cli, bad_files, tmp_path) -> None:
    args, words = BAD[case]
    args = [a.format(**bad_files, folder=bad_files["missing"].parent) for a in args]
    out = tmp_path / "out"
    out.mkdir()
    run = cli("say", portrait_jpg, *args, "-o", out / "v.mp4", "--save-audio", out / "a.wav", "-q")
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dirfa: error:") and words in lines[0], run.err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("viseme_set", ["rhubarb", "ovr", "azure"])
def test_visemes_command_speaks_other_tools_sets(viseme_set, short_speech, cli) -> None:
    run = cli("visemes", short_speech, "--viseme-set", viseme_set, "--language", "xx")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    key = {"rhubarb": "mouthCues", "ovr": "frames", "azure": "visemes"}[viseme_set]
    assert data[key]


def test_samples_make_numbered_takes_with_the_same_voice(portrait_jpg, cli, tmp_path) -> None:
    out = tmp_path / "take.mp4"
    cues = tmp_path / "cues.tsv"
    run = cli("say", portrait_jpg, "Hi Bob.", "--voice", "rms", "-o", out, "--samples", "2", "--size", "128",
              "--export-visemes", cues, "--viseme-set", "ovr", "-q")  # fmt: skip
    assert run.code == 0, run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cues.tsv", "take_1.mp4", "take_2.mp4"]
    assert probe_video(tmp_path / "take_1.mp4").n_frames == probe_video(tmp_path / "take_2.mp4").n_frames
    assert cues.read_text().splitlines()[0].split("\t")[:3] == ["time_s", "sil", "PP"]


def test_closed_standard_input_is_one_line(portrait_jpg, cli, tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setattr(sys, "stdin", None)  # what Python gives a process started with stdin closed
    run = cli("say", portrait_jpg, "-", "-o", tmp_path / "v.mp4", "-q")
    assert run.code == 2 and "standard input is closed" in run.err and len(run.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_saved_voice_must_be_named_wav(portrait_jpg, cli, tmp_path) -> None:
    run = cli(
        "say", portrait_jpg, "hi", "-o", tmp_path / "v.mp4", "--save-audio", tmp_path / "voice.mp3", "-q"
    )
    assert run.code == 2 and "name the file .wav" in run.err and len(run.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
