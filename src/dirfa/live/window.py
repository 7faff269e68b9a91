"""Show a live session's frames in a desktop window (OpenCV's HighGUI), where a display exists.

Live stage, output side beside live.record: LiveFrame stream -> a window (pictures only; the MP4 has the sound).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from dirfa.errors import InputError

WINDOW_TITLE = "dirfa live"
_ESC, _Q = 27, ord("q")
# OpenCV's Qt aborts the whole process when it cannot reach the display (a stale DISPLAY over ssh, Wayland
# without XWayland: this build has Qt's xcb platform only), so a window is first tried in a child process.
_PROBE = "import cv2; cv2.namedWindow('dirfa'); cv2.waitKey(1); cv2.destroyAllWindows()"
_PROBE_TIMEOUT_S = 20.0


def has_display(environ: Mapping[str, str]) -> bool:
    """Whether a desktop session is there to open a window on (X11's DISPLAY or Wayland's WAYLAND_DISPLAY)."""
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def choose_output(output: Path | None, environ: Mapping[str, str]) -> str:
    """Where `dirfa live` sends its frames: "file" when an output file is given, else "window" when a display
    exists; InputError (one line saying what to do) when neither."""
    if output is not None:
        return "file"
    if has_display(environ):
        return "window"
    raise InputError(
        "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset) — give -o live.mp4 to "
        "record the session to a file"
    )


def window_problem() -> str | None:
    """Why no window can open here (the end of the child's error output), or None when one can."""
    try:
        run = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if run.returncode == 0:
        return None
    lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
    found = [line for line in lines if "display" in line.lower()]
    return (found or lines or [f"exit status {run.returncode}"])[0]


class LiveWindow:
    """A window showing RGB frames as they come; show() returns False once the user closed it or pressed
    Esc or q. Pictures only: the window plays no sound. InputError when no window can open."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        import cv2

        problem = window_problem()
        if problem is not None:
            raise InputError(
                f"cannot open a window ({problem}) — give -o live.mp4 to record the session to a file"
            )
        self._cv2, self.title = cv2, title
        try:
            # GUI_NORMAL: the picture alone, without the Qt build's pan/zoom toolbar and status bar.
            cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as exc:
            raise InputError(
                f"cannot open a window ({str(exc).strip().splitlines()[-1]}) — give -o live.mp4 to record "
                "to a file instead"
            ) from None
        self._shown = False

    def show(self, image: np.ndarray) -> bool:
        cv2 = self._cv2
        cv2.imshow(self.title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1) & 0xFF
        if key in (_ESC, _Q):
            return False
        # Once shown, a window the user closed reports itself invisible.
        visible = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        if self._shown and not visible:
            return False
        self._shown = True
        return True

    def close(self) -> None:
        try:
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
        except self._cv2.error:
            pass

    def __enter__(self) -> LiveWindow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
