"""Question cues: from the text when it is typed (dirfa.say), from a consistent final rise against the speaker's
own range when it is recorded; streamed as offline."""

from __future__ import annotations

import dataclasses
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from dirfa.motion.cues import find_cues, typed_questions
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.stream import MotionStream
from dirfa.speech.prosody import Prosody

FPS = 25.0
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def _prosody(semitones: np.ndarray, speech: np.ndarray) -> Prosody:
    """Prosody at 120 Hz * 2^(semitones/12), syllables at 4/s (voiced at their peaks), silence elsewhere."""
    t = np.arange(semitones.shape[0]) / FPS
    syllable = 0.5 + 0.5 * np.cos(2 * np.pi * 4.0 * t)
    voiced = speech & (syllable > 0.3)
    return Prosody(
        fps=FPS,
        energy_db=np.where(speech, -30.0 + 15.0 * syllable, -70.0),
        loudness=np.where(speech, 0.7 * syllable, 0.0),
        f0_hz=np.where(voiced, 120.0 * 2.0 ** (semitones / 12.0), 0.0),
        voiced=voiced,
        speech=speech,
    )


def _phrases(spans: list[tuple[float, float, float]], seconds: float, *, accents_st: float = 0.0) -> Prosody:
    """Phrases (start_s, end_s, final_move_st): pitch moves linearly by final_move_st over the last 0.5 s;
    accents_st: a lively speaker's pitch accents (up and down this much, ~1.5 per second) before that."""
    n = int(round(seconds * FPS))
    t = np.arange(n) / FPS
    speech = np.zeros(n, dtype=bool)
    semitones = accents_st * np.sin(2 * np.pi * 0.75 * t)
    for start_s, end_s, move_st in spans:
        inside = (t >= start_s) & (t < end_s)
        speech |= inside
        final = inside & (t >= end_s - 0.5)
        semitones[final] = semitones[final][0] + move_st * (t[final] - (end_s - 0.5)) / 0.5
    return _prosody(semitones, speech)


def _stream_phrases(prosody, n_frames: int, chunk: int | None = None) -> list[tuple[int, int, bool]]:
    stream = MotionStream(FPS, MotionOptions(seed=3))
    step = chunk or n_frames
    for a in range(0, n_frames, step):
        stream.push({}, _cut(prosody, a, min(a + step, n_frames)))
    stream.finish()
    return [(p.start, p.end, p.question) for p in list(stream.cues.phrases)]


def _cut(prosody, a: int, b: int):
    return dataclasses.replace(
        prosody,
        **{f.name: getattr(prosody, f.name)[a:b] for f in dataclasses.fields(prosody) if f.name != "fps"},
    )


def test_a_typed_question_is_a_question_though_the_voice_falls_and_a_typed_statement_is_not():
    # Festival's voice falls at the end of "Is that really what you meant?" (203 -> 152 Hz): the text says it is
    # a question. And a statement whose voice happens to rise is, as typed, none.
    falling = _phrases([(0.5, 2.0, -5.0), (2.6, 4.5, -5.0)], 5.5)
    rising = _phrases([(0.5, 2.0, +6.0), (2.6, 4.5, +6.0)], 5.5)
    n = falling.speech.shape[0]
    asked = typed_questions(falling, [1.98], n_frames=n)
    told = typed_questions(rising, [], n_frames=n)
    assert find_cues(rising, fps=FPS, n_frames=n).questions.tolist() == [True, True]  # heard, untyped
    assert find_cues(asked, fps=FPS, n_frames=n).questions.tolist() == [True, False]
    assert find_cues(told, fps=FPS, n_frames=n).questions.tolist() == [False, False]
    assert [q for *_, q in _stream_phrases(asked, n)] == [True, False]
    assert [q for *_, q in _stream_phrases(told, n)] == [False, False]


def test_typed_questions_stream_as_offline_and_raise_the_brows():
    prosody = typed_questions(_phrases([(0.5, 2.0, -5.0), (2.6, 4.5, -5.0)], 6.0), [1.98], n_frames=150)
    whole = generate({}, prosody, fps=FPS, n_frames=150, options=MotionOptions(seed=3)).curves
    for chunk in (1, 7, 40):
        stream = MotionStream(FPS, MotionOptions(seed=3), n_frames=150)  # a file's length is known
        parts = [stream.push({}, _cut(prosody, a, min(a + chunk, 150))) for a in range(0, 150, chunk)]
        parts.append(stream.finish())
        for name, curve in whole.items():
            streamed = np.concatenate([p[name] for p in parts])
            np.testing.assert_allclose(streamed, curve, atol=1e-5, err_msg=f"{name}, chunks of {chunk}")
    end = 50  # the question's last frame; its raise holds into the pause after it
    assert whole["browInnerUp"][end : end + 15].max() > 0.35
    assert whole["eyeWideLeft"][end : end + 15].max() > 0.2
    # The statement after it is asked nothing: its brows move as they would were nothing asked (its own
    # emphasis raises only).
    plain = typed_questions(_phrases([(0.5, 2.0, -5.0), (2.6, 4.5, -5.0)], 6.0), [], n_frames=150)
    told = generate({}, plain, fps=FPS, n_frames=150, options=MotionOptions(seed=3)).curves
    for name in ("browInnerUp", "eyeWideLeft"):
        np.testing.assert_allclose(whole[name][end + 45 :], told[name][end + 45 :], atol=1e-6, err_msg=name)
    assert told["browInnerUp"][end : end + 15].max() < 0.05


def test_a_lively_speakers_rise_at_a_comma_is_no_question_but_a_calm_speakers_is():
    # The same 5 st final rise: within a lively reader's range (accents of +-4 st) it is a continuation rise,
    # for a calm speaker it stands out as a question.
    lively = _phrases([(0.5, 4.0, 5.0), (4.6, 8.0, 5.0)], 9.0, accents_st=4.0)
    calm = _phrases([(0.5, 4.0, 5.0), (4.6, 8.0, 5.0)], 9.0, accents_st=0.5)
    n = lively.speech.shape[0]
    assert [q for *_, q in _stream_phrases(lively, n)][1:] == [False]
    assert [q for *_, q in _stream_phrases(calm, n)][1:] == [True]
    assert find_cues(lively, fps=FPS, n_frames=n).questions.tolist()[1:] == [False]


def test_one_jump_in_pitch_is_no_question():
    # Flat, then the last syllable 5 st higher: a new syllable starting higher (or a tracker's fifth error), not
    # a rise through the syllable.
    n = 100
    t = np.arange(n) / FPS
    speech = (t >= 0.5) & (t < 3.0)
    semitones = np.where(t >= 2.8, 5.0, 0.0)
    prosody = _prosody(semitones, speech)
    assert [q for *_, q in _stream_phrases(prosody, n)] == [False]
    assert find_cues(prosody, fps=FPS, n_frames=n).questions.tolist() == [False]


def _wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as reader:
        raw = reader.readframes(reader.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def _analysed(samples: np.ndarray, rate_hz: int = 16000):
    from dirfa.speech import prosody as speech_prosody

    n = int(round(samples.shape[0] / rate_hz * FPS))
    return speech_prosody.analyze(samples, sample_rate_hz=rate_hz, fps=FPS, n_frames=n), n


def test_read_statements_are_not_questions():
    # The LibriVox reader's continuation rises ("he was not an ill disposed young man, ...") were flagged as
    # questions: two brow raises with eye widening over 27 s of statements.
    files = sorted(LIBRIVOX.glob("*.wav"))
    if not files:
        pytest.skip("pocketsphinx-testdata (real speech) is not installed")
    gap = np.zeros(int(0.4 * 16000), np.float32)
    samples = np.concatenate([part for f in files for part in (_wav(f), gap)])
    prosody, n = _analysed(samples)
    phrases = _stream_phrases(prosody, n, chunk=9)
    assert len(phrases) >= 5
    assert not any(q for *_, q in phrases)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_questions_rise_and_its_statements_do_not():
    from dirfa.voice import synthesize

    questions = ["Did you lock the front door?", "Are these your keys?", "Is he still working at the bank?",
                 "Did they finish the report on time?", "Do you know where the station is?",
                 "Does she really play the violin?"]  # fmt: skip
    statements = ["I locked the front door.", "These are your keys.", "He is still working at the bank.",
                  "They finished the report on time.", "The station is just around the corner.",
                  "She plays the violin every evening."]  # fmt: skip
    flagged = {}
    for kind, texts in (("q", questions), ("s", statements)):
        flags = []
        for text in texts:
            audio = synthesize(text, voice="espeak-en-us").audio
            prosody, n = _analysed(audio.samples, audio.sample_rate_hz)
            phrases = _stream_phrases(prosody, n)
            flags.append(bool(phrases) and phrases[-1][2])
        flagged[kind] = sum(flags)
    assert flagged["q"] >= 4 and flagged["s"] == 0, flagged


def test_synthesis_knows_where_its_questions_end():
    from dirfa.voice.synthesis import asks

    assert asks("Is it?") and asks('He said "really?"') and asks("Really?!") and asks("本当？")
    assert not asks("Yes.") and not asks("Wow!") and not asks("What? No.") and not asks("")


@pytest.mark.skipif(shutil.which("festival") is None, reason="festival is not installed")
def test_say_raises_the_brows_at_a_typed_question_the_voice_does_not_rise_on():
    import dirfa

    text = "Is that really what you meant? I honestly thought we agreed on Tuesday, not Thursday!"
    synthesis = dirfa.synthesize(text)
    assert len(synthesis.questions) == 1
    first = synthesis.text.split("?")[0]
    # The question ends with the first sentence's last sound, before the second sentence's first.
    sounds = [(a, b) for p, a, b in zip(*_timeline(synthesis)) if p != "SIL"]
    end_s = synthesis.questions[0]
    assert any(abs(b - end_s) < 1e-6 for _, b in sounds) and first
    assert any(a > end_s + 0.1 for a, _ in sounds)
    said = dirfa.say(None, text, synthesis=synthesis, seed=1)
    brow = said.tracks.curves["browInnerUp"]
    end = int(end_s * FPS)
    assert brow[end : end + 20].max() > 0.35
    assert said.tracks.curves["eyeWideLeft"][end : end + 20].max() > 0.2


def _timeline(synthesis):
    tl = synthesis.timeline
    return tl.phones, tl.start_s, tl.end_s
