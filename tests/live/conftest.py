"""Live-session inputs: the example portrait prepared once; a tracks-only session saying a text."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dirfa.avatar import Avatar, prepare


@pytest.fixture(scope="session")
def avatar(portrait_jpg) -> Avatar:
    return prepare(portrait_jpg, widths_px=(128,))


@pytest.fixture(scope="session")
def spoken():
    """spoken(avatar, text, names, *, fps, seed, queued_s=0) -> {name: (n,) track}: a tracks-only session says
    `text`; its frames from the utterance's first (the session's frame k is the text's frame k) until it has
    spoken, and a second more. Frames are taken once more than queued_s of speech is queued (taken faster
    than real time, a phrase not yet synthesised would leave idle frames before it)."""
    from dirfa.live import Session

    def say(avatar, text: str, names, *, fps: int, seed: int, queued_s: float = 0.0) -> dict[str, np.ndarray]:
        with Session(avatar, render=False, fps=fps, seed=seed) as session:
            assert session.wait_ready(60.0)
            session.say(text)
            for _ in range(3000):
                if session.queued_s > queued_s:
                    break
                time.sleep(0.01)
            frames = []
            while session.speaking or not frames:
                frames.append(session.next_frame())
                assert len(frames) < 60 * fps, session.errors
            frames += [session.next_frame() for _ in range(fps)]
        assert frames[0].speaking and not session.errors, session.errors
        return {name: np.array([f.curves.get(name, 0.0) for f in frames]) for name in names}

    return say
