"""`dirfa live` without -o on a real X display (Debian's Xvfb, started here): the window opens at the frame's
size without toolbars, shows the avatar moving as it speaks a typed line, and q closes it with exit 0."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

SCREEN = (640, 480)
SIZE_PX = 128


@pytest.fixture
def display():
    """A private X server on a display number it picks itself (-displayfd), no TCP, stopped afterwards."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        assert ready, "Xvfb did not start within 30 s"
        number = os.read(read_fd, 32).decode().strip()
        assert number.isdigit(), f"Xvfb reported {number!r}"
        yield f":{number}"
    finally:
        os.close(read_fd)
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _window(
    display: str, title: str, timeout_s: float, size: tuple[int, int] | None = None
) -> tuple[str, int, int, int, int] | None:
    """(id, x, y, width, height) of the first top-level window named `title` (of `size` when given: the
    window opens small and takes the picture's size at its first frame), waiting up to timeout_s."""
    pattern = re.compile(
        rf'^\s*(0x[0-9a-f]+) "{re.escape(title)}":.*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)'
    )
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        tree = subprocess.run(
            ["xwininfo", "-root", "-tree", "-display", display], capture_output=True, text=True
        ).stdout
        for line in tree.splitlines():
            found = pattern.match(line)
            if found:
                wid, width, height, x, y = found.groups()
                if size is None or (int(width), int(height)) == size:
                    return wid, int(x), int(y), int(width), int(height)
        time.sleep(0.5)
    return None


def _grab(display: str) -> np.ndarray:
    """The whole screen as RGB, through libav's x11grab (inside PyAV's wheel)."""
    with av.open(display, format="x11grab", options={"video_size": f"{SCREEN[0]}x{SCREEN[1]}"}) as screen:
        return next(screen.decode(video=0)).to_ndarray(format="rgb24")


def test_live_window_shows_the_avatar_speaking_and_closes_on_q(display, avatar, portrait_jpg, tmp_path):
    face = avatar.save(tmp_path / "face.avatar")
    env = {**os.environ, "DISPLAY": display, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    live = subprocess.Popen(
        [sys.executable, "-m", "dirfa", "live", str(face), "--size", str(SIZE_PX), "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        # The picture alone, no toolbar or status bar: the window takes the frame's size at its first frame.
        window = _window(display, "dirfa live", timeout_s=90, size=(SIZE_PX, SIZE_PX))
        assert window is not None, (
            f"no {SIZE_PX} x {SIZE_PX} window appeared: {_window(display, 'dirfa live', timeout_s=0.1)} "
            f"{live.stderr.read() if live.poll() is not None else ''}"
        )
        wid, x, y, width, height = window

        live.stdin.write("Hello there, how are you today? I am very well.\n")
        live.stdin.flush()
        shots = []
        for _ in range(12):
            time.sleep(0.4)
            shots.append(_grab(display)[y : y + height, x : x + width].astype(np.float32))
        shots = np.stack(shots)

        # It shows the avatar: each shot looks like the photo at the window's size.
        photo = cv2.resize(cv2.imread(str(portrait_jpg)), (SIZE_PX, SIZE_PX), interpolation=cv2.INTER_AREA)
        gray = photo.astype(np.float32).mean(axis=2)  # channel order does not matter for the mean
        for shot in shots:
            r = np.corrcoef(shot.mean(axis=2).ravel(), gray.ravel())[0, 1]
            assert r > 0.9, r
        # ... and it moves: the frames differ from one another around the mouth, not only by noise.
        face_box = slice(SIZE_PX // 8, SIZE_PX // 2), slice(SIZE_PX // 4, 3 * SIZE_PX // 4)
        change = np.abs(shots[1:] - shots[:-1])[:, face_box[0], face_box[1]].mean(axis=(1, 2, 3))
        assert change.max() > 1.0, change

        subprocess.run(["xdotool", "key", "--window", wid, "q"], env=env, check=True, timeout=30)
        assert live.wait(60) == 0, live.stderr.read()
    finally:
        if live.poll() is None:
            live.kill()
            live.wait(10)
    assert _window(display, "dirfa live", timeout_s=0.1) is None  # the window is gone
    assert not list(Path(tmp_path).glob("*.mp4"))  # a window session writes no file
