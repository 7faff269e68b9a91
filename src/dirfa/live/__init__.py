"""Live sessions: a prepared avatar speaking text or pushed audio as it arrives, frame by frame at real time.

Around the pipeline: session.py (input queue, pacing, idle, interrupt), analysis.py (causal speech
analysis of pushed audio), motion.py (causal idle and speaking motion).
"""

from __future__ import annotations

from dirfa.live.session import LiveFrame, Session, SessionClosed

__all__ = ["LiveFrame", "Session", "SessionClosed"]
