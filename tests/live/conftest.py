"""Live-session inputs: the example portrait prepared once."""

from __future__ import annotations

import pytest

from dirfa.avatar import Avatar, prepare


@pytest.fixture(scope="session")
def avatar(portrait_jpg) -> Avatar:
    return prepare(portrait_jpg, widths_px=(128,))
