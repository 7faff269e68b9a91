"""Typed questions in a live session: the text says which phrases are questions, as in `dirfa say`, so a
question raises the brows though the voice falls at its "?" (festival's does), and the session moves as say()."""

from __future__ import annotations

import numpy as np

import dirfa
from dirfa.motion.head import END_SETTLE_MAX_S
from dirfa.motion.stream import LOOKAHEAD_S
from dirfa.voice import synthesize_phrases

FPS = 25
SEED = 7
BROWS = ("browInnerUp", "browOuterUpLeft", "browOuterUpRight", "eyeWideLeft", "eyeWideRight")
MOTION = BROWS + ("headYaw", "headPitch", "headRoll", "eyeBlinkLeft", "gazeYaw", "gazePitch")


def test_a_typed_question_raises_the_brows_live_as_in_say(avatar, spoken):
    # One phrase (the pause is part of it), so the session's frames are say()'s frames: the same question
    # cue, the same motion frame for frame up to the clip's last look-ahead, and the brows up after the "?"
    # though festival's voice falls there (203 -> 152 Hz).
    text = "Is that really what you meant? [pause 2]"
    said = dirfa.say(None, text, fps=FPS, seed=SEED)
    (end_s,) = said.synthesis.questions
    end = int(end_s * FPS)
    file = said.tracks
    live = spoken(avatar, text, MOTION, fps=FPS, seed=SEED)
    same = file.n_frames - int(LOOKAHEAD_S * FPS) - 1
    assert same > end + 20
    # (the file, its length known, eases the head back to rest over its last END_SETTLE_MAX_S: the session
    # does not know where the utterance ends before its look-ahead: tests/live/test_live_motion.py)
    angles = file.n_frames - int(END_SETTLE_MAX_S * FPS) - 1
    assert angles >= end  # (head and eyes compared up to the question's end)
    for name in MOTION:
        upto = angles if name.startswith(("head", "gaze")) else same
        np.testing.assert_allclose(live[name][:upto], file.curves[name][:upto], atol=1e-6, err_msg=name)
    assert live["browInnerUp"][end : end + 20].max() > 0.35
    assert live["eyeWideLeft"][end : end + 20].max() > 0.2


def test_only_the_typed_question_of_several_phrases_raises_the_brows(avatar, spoken):
    # Phrase by phrase, as the session synthesises them: the question's end lies in the first phrase's frames;
    # the statement after it is asked nothing. The eyes widen over the frames say()'s do (its phrases are not
    # padded to whole frames: the second starts up to a frame earlier there).
    text = "Is that really what you meant? I honestly thought we agreed on Tuesday, not Thursday."
    first, *rest = synthesize_phrases(text)
    assert rest and len(first.questions) == 1 and not any(p.questions for p in rest)
    end = int(first.questions[0] * FPS)
    second = int(np.ceil(first.audio.duration_s * FPS - 1e-6))  # the second phrase's first frame
    live = spoken(
        avatar, text, MOTION, fps=FPS, seed=SEED, queued_s=second / FPS + rest[0].audio.duration_s - 0.1
    )
    assert live["browInnerUp"][end : end + 20].max() > 0.35
    assert live["eyeWideLeft"][end : end + 20].max() > 0.2
    # The question's raise is over before the statement is under way (which may bring its own emphasis raises).
    assert live["eyeWideLeft"][end : second + 25].min() < 0.05
    wide = np.flatnonzero(live["eyeWideLeft"] > 0.2)
    said = np.flatnonzero(dirfa.say(None, text, fps=FPS, seed=SEED).tracks.curves["eyeWideLeft"] > 0.2)
    assert abs(wide[0] - said[0]) <= 1 and abs(wide[-1] - said[-1]) <= 1, (wide, said)
