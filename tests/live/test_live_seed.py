"""A live session without a seed takes one derived from its photo (api.live_seed): two avatars never share a
blink and gaze schedule, and the same avatar gives the same take (issue 13: no two clips share a schedule)."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.avatar import prepare
from dirfa.errors import InputError
from dirfa.live import Session

FPS = 25


def _idle(avatar, seconds: float, **options) -> dict[str, np.ndarray]:
    with Session(avatar, render=False, fps=FPS, **options) as session:
        frames = [session.next_frame() for _ in range(int(seconds * FPS))]
    return {name: np.array([f.curves.get(name, 0.0) for f in frames]) for name in ("eyeBlinkLeft", "gazeYaw")}


def _blink_starts(curves: dict[str, np.ndarray]) -> list[int]:
    closed = curves["eyeBlinkLeft"] > 0.5
    return np.flatnonzero(closed[1:] & ~closed[:-1]).tolist()


def test_sessions_without_a_seed_take_their_own_from_the_photo(avatar, portrait):
    other = prepare(portrait, widths_px=(128,))
    first, again, second = _idle(avatar, 30), _idle(avatar, 30), _idle(other, 30)
    assert len(_blink_starts(first)) >= 3
    # the same photo: the same take, frame for frame
    np.testing.assert_array_equal(first["eyeBlinkLeft"], again["eyeBlinkLeft"])
    np.testing.assert_array_equal(first["gazeYaw"], again["gazeYaw"])
    # another photo: another schedule (seed 0 for both gave the same blinks and gaze)
    assert _blink_starts(first) != _blink_starts(second)
    assert not np.allclose(first["gazeYaw"], second["gazeYaw"])
    # an explicit seed is still a take number: the same on both photos
    np.testing.assert_array_equal(
        _idle(avatar, 10, seed=3)["eyeBlinkLeft"], _idle(other, 10, seed=3)["eyeBlinkLeft"]
    )


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_an_unusable_seed_is_refused(avatar, seed):
    with pytest.raises(InputError, match="seed"):
        Session(avatar, render=False, fps=FPS, seed=seed)
