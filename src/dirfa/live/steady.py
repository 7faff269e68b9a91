"""No mouth or teeth state lasting a single frame in a live session: the causal counterpart of api.steady_mouth.

Live stage: between the session's queue of speech frames and the renderer; one frame of look-ahead at most.
"""

from __future__ import annotations

from collections.abc import Mapping

from dirfa.face.rig import Pose, Rig
from dirfa.speech import coarticulation
from dirfa.speech.visemes import MOUTH_TRACKS

# The states measured and their bounds: the posed rig's inner-lip gap above its rest gap in mouth widths, as
# api.steady_mouth and benchmarks/lipsync.py measure them (lips closed/open, teeth hidden/shown) ...
RIG_STATES = ((0.035, 0.07), (0.05, 0.09))
# ... or, without a rig (a tracks-only session), the tracks' own openness on jawOpen's scale, with the
# bounds of the tracks' own pass (speech.coarticulation.no_single_frames).
TRACK_STATES = coarticulation._OPENNESS_STATES  # noqa: SLF001 - the same bounds, not a copy that drifts
# A frame that would end a one-frame state takes this share of the frame before it, then more, until the
# state lasts a second frame (the offline pass takes 0.6 of the single frame's shape, once).
HOLD_SHARES = (0.6, 0.85, 1.0)
CLOSURE = 0.95  # mouthClose at or above this is a p/b/m closure: never opened to lengthen an open state
TUCK = 0.85  # mouthRollLower at or above this is an f/v tuck: likewise


def _held(curves: Mapping[str, float]) -> bool:
    return curves.get("mouthClose", 0.0) >= CLOSURE or curves.get("mouthRollLower", 0.0) >= TUCK


def _mix(a: Mapping[str, float], b: Mapping[str, float], share_b: float) -> dict[str, float]:
    """`a` with its mouth tracks moved `share_b` of the way to `b`'s."""
    out = dict(a)
    for name in MOUTH_TRACKS:
        if name in a or name in b:
            va, vb = a.get(name, 0.0), b.get(name, 0.0)
            out[name] = va + share_b * (vb - va)
    return out


class SteadyMouth:
    """step(curves, upcoming) -> (curves, pose): the frame to show, changed where needed so that no mouth or
    teeth state lasts a single frame, and its posed rig (None without a rig) for the renderer to reuse.

    Causal: a state that began on the frame just shown is held one more frame (this frame takes a share of
    that one's mouth), unless this frame is a lip closure; with `upcoming` (the next frame's curves, when
    already made) a state that would last only this frame, before a closure that cannot be opened, is not
    entered. Costs nothing beyond the renderer's own pose, except one pose when a state changes."""

    def __init__(self, rig: Rig | None) -> None:
        self.rig = rig
        if rig is not None:
            self.width = max(float(rig.frame.mouth_px), 1e-3)
            self.rest = rig.pose({}).mouth_open_px
            self.states = RIG_STATES
        else:
            self.states = TRACK_STATES
        self.previous: dict[str, float] | None = None  # the curves last shown
        self.shown: list[tuple[int, ...]] = []  # the states of the last two frames shown, oldest first

    def _measure(self, curves: Mapping[str, float], posed: bool = True) -> tuple[float, Pose | None]:
        if self.rig is None:
            roll = curves.get("mouthRollLower", 0.0)
            jaw, close = curves.get("jawOpen", 0.0), curves.get("mouthClose", 0.0)
            return jaw * (1.0 - close) * (1.0 - 0.85 * roll), None
        if not posed:  # only the gap is wanted: the lips' rows alone, no whole pose
            return (self.rig.mouth_open_px(curves) - self.rest) / self.width, None
        pose = self.rig.pose(curves)
        return (pose.mouth_open_px - self.rest) / self.width, pose

    def _state(self, value: float, before: tuple[int, ...]) -> tuple[int, ...]:
        """Each level's state (-1 closed, +1 open, 0 not yet either), with hysteresis from `before`."""
        return tuple(
            -1 if value <= low else (1 if value >= high else before[k])
            for k, (low, high) in enumerate(self.states)
        )

    def step(
        self, curves: Mapping[str, float], upcoming: Mapping[str, float] | None = None
    ) -> tuple[dict[str, float], Pose | None]:
        curves = dict(curves)
        value, pose = self._measure(curves)
        last = self.shown[-1] if self.shown else (0,) * len(self.states)
        state = self._state(value, last)
        if self.previous is not None and len(self.shown) == 2:
            before = self.shown[0]
            # A state that began on the frame just shown and would end now: hold it a frame longer.
            ending = [
                k
                for k in range(len(state))
                if last[k] != 0 and before[k] == -last[k] and state[k] == -last[k]
            ]
            if ending and not (max(last[k] for k in ending) > 0 and _held(curves)):
                for share in HOLD_SHARES:
                    held = _mix(curves, self.previous, share)
                    value, pose = self._measure(held)
                    state = self._state(value, last)
                    if all(state[k] == last[k] for k in ending):
                        break
                curves = held
        if upcoming is not None and self.previous is not None and state != last:
            # A state entered now that the next frame leaves again, where that frame cannot hold it (a lip
            # closure after an opening): not entered, unless both neighbours are closures ("mama" keeps its
            # one open frame per syllable, as the offline pass does).
            entering = [k for k in range(len(state)) if state[k] != 0 and state[k] == -last[k]]
            if entering:
                after = self._state(self._measure(upcoming, posed=False)[0], state)
                leaves = all(after[k] == last[k] for k in entering)
                opening = max(state[k] for k in entering) > 0
                both_closed = _held(self.previous) and _held(upcoming)
                if leaves and opening and _held(upcoming) and not both_closed:
                    curves = _mix(curves, _mix(self.previous, upcoming, 0.5), 1.0)
                    value, pose = self._measure(curves)
                    state = self._state(value, last)
        self.previous = curves
        self.shown = (self.shown + [state])[-2:]
        return curves, pose
