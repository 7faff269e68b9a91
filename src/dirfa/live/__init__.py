"""Live sessions: a prepared avatar speaking text or pushed audio as it arrives, frame by frame at real time.

Around the pipeline: session.py (input queue, pacing, idle, interrupt), analysis.py (causal speech
analysis of pushed audio), phrase_process.py (a said phrase's analysis in a helper process).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dirfa.live.session import LiveFrame, Session, SessionClosed

__all__ = ["LiveFrame", "Session", "SessionClosed"]


def __getattr__(name: str) -> Any:
    # Loaded on first use (PEP 562): the phrase helper process (`python -m dirfa.live.phrase_process`) imports
    # this package too, and needs none of the session's renderer (cv2 and the rig).
    if name in __all__:
        from dirfa.live import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
