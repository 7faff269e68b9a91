"""Speech synthesis: typed text -> speech audio with the exact phone timeline of what is said.

Around the pipeline: dirfa.say feeds a Synthesis to the speech stage in place of a recording. Engines:
festival.py, flite.py (English), espeak.py (~100 languages); markup.py ([happy], [pause 0.5]); phrases.py.
"""

from __future__ import annotations

from dirfa.voice.synthesis import (
    DEFAULT_VOICE,
    MAX_TEXT_CHARS,
    Synthesis,
    find_voice,
    list_voices,
    prepare_voice,
    synthesize,
    synthesize_phrases,
)
from dirfa.voice.voices import Voice

__all__ = [
    "DEFAULT_VOICE",
    "MAX_TEXT_CHARS",
    "Synthesis",
    "Voice",
    "find_voice",
    "list_voices",
    "prepare_voice",
    "synthesize",
    "synthesize_phrases",
]
