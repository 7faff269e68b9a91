"""The causal cue tracker's accents against find_cues': a higher peak soon after a lower one takes the accent,
also in a clip's last look-ahead window, decided within the stream's look-ahead."""

from __future__ import annotations

import math

import numpy as np

from dirfa.motion.cues import CueTracker, find_cues
from dirfa.motion.stream import LOOKAHEAD_S, MotionStream
from dirfa.speech.prosody import Prosody

FPS = 25.0


def _phrase(n_frames: int, syllables: list[tuple[int, float]], *, end_silence: int = 3) -> Prosody:
    """One phrase at -25 dB / 150 Hz with a few frames of silence at each end and a 3-frame syllable at each
    (frame, dB above the rest) in `syllables`, its pitch raised by the same amount in semitones / 2."""
    energy = np.full(n_frames, -25.0)
    semitones = np.zeros(n_frames)
    for frame, rise in syllables:
        energy[frame - 1 : frame + 2] += (0.5 * rise, rise, 0.5 * rise)
        semitones[frame - 1 : frame + 2] += (0.25 * rise, 0.5 * rise, 0.25 * rise)
    speech = np.ones(n_frames, dtype=bool)
    speech[:5] = False
    speech[n_frames - end_silence :] = False
    energy[~speech] = -70.0
    f0 = np.where(speech, 150.0 * 2.0 ** (semitones / 12.0), 0.0)
    loudness = np.where(speech, 0.5, 0.0)
    return Prosody(
        fps=FPS, energy_db=energy, loudness=loudness, f0_hz=f0, voiced=speech.copy(), speech=speech
    )


def _causal(prosody: Prosody, n_frames: int) -> tuple[list[int], dict[int, int]]:
    """The tracker's accents fed a frame at a time, and the frames received when each was decided."""
    tracker = CueTracker(FPS)
    decided_at: dict[int, int] = {}
    for available in range(1, n_frames + 1):
        chunk = Prosody(
            fps=FPS,
            **{
                name: getattr(prosody, name)[available - 1 : available]
                for name in ("energy_db", "loudness", "f0_hz", "voiced", "speech")
            },
        )
        tracker.extend(chunk, 1)
        tracker.advance(available, False)
        for frame, _ in tracker.accents[0:]:
            decided_at.setdefault(frame, available)
    tracker.advance(n_frames, True)
    for frame, _ in tracker.accents[0:]:
        decided_at.setdefault(frame, n_frames)
    return [frame for frame, _ in tracker.accents[0:]], decided_at


def _near(frames: list[int], frame: int, tolerance: int = 2) -> bool:
    return any(abs(found - frame) <= tolerance for found in frames)


def test_a_higher_peak_soon_after_a_lower_one_takes_the_accent():
    # "... not Thursday": a weaker syllable and 5 frames (0.2 s, under the 0.3 s accent spacing) later the
    # stressed one. find_cues keeps the higher; the tracker took the earlier one and then skipped the stressed.
    n_frames = 100
    prosody = _phrase(n_frames, [(20, 6.0), (45, 4.0), (50, 7.0), (75, 5.0)])
    offline = find_cues(prosody, fps=FPS, n_frames=n_frames).accents.tolist()
    assert _near(offline, 50) and not _near(offline, 45)
    causal, _ = _causal(prosody, n_frames)
    assert _near(causal, 50), causal
    assert not _near(causal, 45), causal


def test_the_stressed_word_in_the_clips_last_look_ahead_window_is_an_accent():
    # The clip's last word is the stressed one, a lower syllable 5 frames before it, the voice ending 4 frames
    # after it: everything after the first syllable lies in the last look-ahead window (0.48 s, 12 frames).
    n_frames = 90
    last = n_frames - 7
    prosody = _phrase(n_frames, [(25, 6.0), (last - 5, 4.0), (last, 7.0)])
    offline = find_cues(prosody, fps=FPS, n_frames=n_frames).accents.tolist()
    assert _near(offline, last)
    causal, _ = _causal(prosody, n_frames)
    assert _near(causal, last), causal
    # The motion stream hands it to the head and brows too.
    stream = MotionStream(FPS, history_s=None)
    stream.push({}, prosody)
    stream.finish()
    assert _near([frame for frame, _ in stream.cues.accents[0:]], last)


def test_accents_are_decided_within_the_streams_look_ahead():
    rng = np.random.default_rng(3)
    n_frames = 400
    syllables = [(frame, float(rng.uniform(1.0, 8.0))) for frame in range(12, n_frames - 10, 6)]
    prosody = _phrase(n_frames, syllables)
    causal, decided_at = _causal(prosody, n_frames)
    assert len(causal) >= 20
    lookahead = int(math.floor(LOOKAHEAD_S * FPS + 1e-9))
    tracker = CueTracker(FPS)
    assert tracker.accent_delay <= lookahead
    assert MotionStream(FPS).lookahead == lookahead
    for frame in causal:
        if decided_at[frame] < n_frames:  # decided before the input ended
            assert decided_at[frame] - 1 - frame <= tracker.accent_delay
