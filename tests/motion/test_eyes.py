"""Blink and gaze statistics on generated tracks: real rates that vary per take, blinks at pauses, a clean
end, visible looks away and back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dirfa.motion.eyes import END_OPEN_FRAMES, blink_profile
from dirfa.motion.generate import MotionOptions, generate, seed_from
from dirfa.motion.stream import MotionStream

FPS = 25.0
SEEDS = range(8)


def _run(prosody, **options) -> tuple[MotionStream, dict[str, np.ndarray]]:
    stream = MotionStream(FPS, MotionOptions(**options))
    first = stream.push({}, prosody)
    rest = stream.finish()
    return stream, {name: np.concatenate([first[name], rest[name]]) for name in rest}


def _cut(prosody, start: int, end: int):
    return dataclasses.replace(
        prosody, **{f.name: getattr(prosody, f.name)[start:end] for f in dataclasses.fields(prosody)}
    )


@pytest.fixture(scope="module")
def takes(prosody_60s):
    return [_run(prosody_60s, seed=seed) for seed in SEEDS]


def test_blink_rates_are_natural_and_differ_per_take(takes):
    rates = [len(stream.blinker.apexes) for stream, _ in takes]  # a minute of speech: blinks per minute
    # Bentivoglio et al. 1997: 26/min in conversation on average, people ranging ~10-50/min.
    assert 17 <= np.mean(rates) <= 35, rates
    assert all(6 <= rate <= 60 for rate in rates), rates
    assert len(set(rates)) >= 5 and np.std(rates) > 3  # each take its own rate, not one metronome


def test_blinks_close_fully_and_both_lids_move_together(takes):
    for stream, curves in takes:
        apexes = np.array(stream.blinker.apexes)
        for name in ("eyeBlinkLeft", "eyeBlinkRight"):
            assert curves[name].min() >= 0.0 and curves[name].max() <= 1.0
            assert np.all(curves[name][apexes] == 1.0)
        assert np.abs(curves["eyeBlinkLeft"] - curves["eyeBlinkRight"]).max() < 0.2


def test_blinks_gather_at_phrase_ends(takes, prosody_60s):
    stream0 = takes[0][0]
    n = len(stream0.cues.speech)
    window = np.zeros(n, dtype=bool)
    for phrase in stream0.cues.phrases:
        if phrase.end is not None:
            window[phrase.end : phrase.end + int(0.6 * FPS)] = True
    more = [_run(prosody_60s, seed=seed)[0] for seed in range(100, 108)]
    apexes = np.concatenate([stream.blinker.apexes for stream in [s for s, _ in takes] + more])
    # Over 64 takes the share in the windows is 2.2 times their share of the clip (16-take pools 1.9-2.5; 1.84
    # with the phrase-end hazard boost before 2026-12-03, 1.99 with one sequential generator); one take's ratio
    # varies by ~1.0, so 16 takes are pooled: without the phrase-end pull it is ~1.0.
    assert window[apexes].mean() > 1.5 * window.mean()


def test_blink_schedules_differ_across_inputs(prosody_60s):
    # The default seed comes from the inputs: two clips get two schedules, one clip always the same.
    first = prosody_60s.speech[:200]
    other = prosody_60s.speech[200:400]
    assert seed_from(first) != seed_from(other) and seed_from(first) == seed_from(first.copy())
    starts = set()
    for offset in range(0, 1200, 200):
        part = _cut(prosody_60s, offset, offset + 200)
        stream, _ = _run(part, seed=seed_from(part.energy_db))
        starts.add(tuple(stream.blinker.apexes[:3]))
    assert len(starts) == 6
    first_blinks = [
        _run(_cut(prosody_60s, 0, 300), seed=seed)[0].blinker.apexes[0] / FPS for seed in range(30, 40)
    ]
    assert np.ptp(first_blinks) > 1.0  # the first blink is not always at the same moment


@pytest.mark.parametrize("seconds", [2.0, 3.3, 5.0, 7.7])
def test_clips_end_with_open_eyes_and_no_flicker(prosody_60s, seconds):
    n = int(seconds * FPS)
    for seed in range(12):
        part = _cut(prosody_60s, 0, n)
        take = generate(
            {}, part, fps=FPS, n_frames=n, options=MotionOptions(seed=seed, blink_rate_per_min=60.0)
        )
        lid = np.maximum(take.curves["eyeBlinkLeft"], take.curves["eyeBlinkRight"])
        assert np.all(lid[-END_OPEN_FRAMES:] == 0.0)
        # No closed-open-closed flicker anywhere: no frame with the eye open (< 0.3) between two frames with
        # it shut (> 0.7) within three frames either side.
        for frame in np.flatnonzero(lid < 0.3):
            assert not (
                lid[max(frame - 3, 0) : frame].max(initial=0) > 0.7
                and lid[frame + 1 : frame + 4].max(initial=0) > 0.7
            )


def test_requested_rate_and_none(prosody_60s):
    for rate in (10.0, 40.0):
        counts = [len(_run(prosody_60s, seed=s, blink_rate_per_min=rate)[0].blinker.apexes) for s in range(3)]
        assert 0.7 * rate <= np.mean(counts) <= 1.3 * rate
    stream, curves = _run(prosody_60s, blink_rate_per_min=0.0)
    assert not stream.blinker.apexes and not curves["eyeBlinkLeft"].any()


def test_lid_shuts_faster_than_it_opens():
    t = np.linspace(-0.1, 0.25, 351)
    lid = blink_profile(t, close_s=0.08, open_s=0.2)
    assert lid[np.argmin(np.abs(t))] == 1.0 and lid[0] == 0.0 and lid[-1] == 0.0
    assert np.abs(np.diff(lid[t < 0])).max() > 1.8 * np.abs(np.diff(lid[t > 0])).max()


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_no_lid_shuts_or_opens_in_one_frame(prosody_60s, fps):
    """A closing lid shows on its way down: no frame step takes a lid from open (< 0.2) to shut (> 0.8) or back,
    over many takes and clip lengths at both video frame rates, and lids open more slowly than they close.
    (Before: a 150 ms blink closed over 52 ms, 0.13 -> 1.0 in one frame at 25 fps.)"""
    # (the 25 fps prosody, each frame's values held over the frames of `fps` that fall in it)
    n = int(len(prosody_60s.speech) * fps / FPS)
    at = (np.arange(n) * FPS / fps).astype(int)
    prosody = dataclasses.replace(
        prosody_60s, **{f.name: getattr(prosody_60s, f.name)[at] for f in dataclasses.fields(prosody_60s)}
    )
    rising = falling = blinks = 0
    for seed in range(16):
        for seconds in (40.0, 9.7, 4.3):
            part = _cut(prosody, 0, min(int(seconds * fps), n))
            take = generate(
                {},
                part,
                fps=fps,
                n_frames=len(part.speech),
                options=MotionOptions(seed=seed, blink_rate_per_min=45.0),
            )
            for name in ("eyeBlinkLeft", "eyeBlinkRight"):
                lid = take.curves[name]
                step = np.diff(lid)
                jumps = np.flatnonzero(
                    ((lid[:-1] < 0.2) & (lid[1:] > 0.8)) | ((lid[:-1] > 0.8) & (lid[1:] < 0.2))
                )
                assert not jumps.size, (fps, seed, seconds, name, lid[jumps[0] - 2 : jumps[0] + 4])
                rising += int(np.sum(step > 1e-6))
                falling += int(np.sum(step < -1e-6))
                blinks += int(np.sum((lid[1:] >= 0.99) & (lid[:-1] < 0.99)))
    assert blinks > 400  # (many blinks of every length drawn)
    assert falling > 1.4 * rising  # frames spent opening against frames spent closing


@given(st.floats(0.03, 0.2), st.floats(0.05, 0.4), st.floats(-1.0, 1.0))
def test_blink_profile_is_a_weight(close_s, open_s, t):
    # (a hair from either end the profile is 0 or a weight too small to be told from it: 1e-9 s is no time)
    assume(abs(t - open_s) > 1e-9 and abs(t + close_s) > 1e-9)
    value = float(blink_profile(np.array([t]), close_s=close_s, open_s=open_s)[0])
    assert 0.0 <= value <= 1.0
    assert (value > 0.0) == (-close_s < t < open_s)


def test_gaze_looks_away_and_back_at_real_rates(takes):
    for _stream, curves in takes:
        world_yaw = curves["gazeYaw"] + curves["headYaw"]
        world_pitch = curves["gazePitch"] + curves["headPitch"]
        open_eyes = curves["eyeBlinkLeft"] == 0.0
        on_camera = np.hypot(world_yaw, world_pitch) < 2.0
        assert 0.5 < on_camera[open_eyes].mean() < 0.95  # mostly at the viewer, not a fixed stare
        away = np.hypot(world_yaw, world_pitch) > 4.0
        looks = int(np.sum(away[1:] & ~away[:-1]))
        assert 4 <= looks <= 25  # visible looks away per minute of speech


def test_saccades_are_fast_and_fixations_hold(prosody_60s):
    _stream, curves = _run(prosody_60s, seed=3, head_motion=0.0)
    yaw = curves["gazeYaw"]
    moving = np.abs(np.diff(yaw)) > 1e-9
    padded = np.concatenate([[False], moving, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded)).reshape(-1, 2)
    assert edges.size and np.all(edges[:, 1] - edges[:, 0] <= 2)  # a saccade is over within two frames
    runs = np.diff(np.flatnonzero(np.concatenate([[True], moving, [True]])))
    assert np.median(runs[runs > 1]) / FPS >= 0.4
