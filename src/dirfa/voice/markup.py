"""Inline markup in text to be spoken: [happy], [sad:0.6], [pause 0.5]; \\[ \\] \\\\ for literal characters.

Voice stage, first step: the user's text -> tokens (plain text, emotion changes, pauses) for voice.synthesis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dirfa.errors import InputError
from dirfa.motion.expression import EMOTIONS

DEFAULT_PAUSE_S = 0.5  # [pause] alone: about a sentence break (Goldman-Eisler 1968: pauses 0.25-1 s)
MAX_PAUSE_S = 10.0
_FORMS = (
    f"tags are [EMOTION] or [EMOTION:INTENSITY] ({', '.join(EMOTIONS)}; intensity 0..1) and [pause SECONDS]; "
    "write \\[ and \\] for literal brackets"
)


@dataclass(frozen=True)
class Text:
    """Plain text to speak (escapes resolved); position: 1-based character position in the input."""

    text: str
    position: int


@dataclass(frozen=True)
class Emotion:
    """From here on, this emotion at this intensity (0..1)."""

    emotion: str
    intensity: float
    position: int


@dataclass(frozen=True)
class Pause:
    """Silence of duration_s seconds."""

    duration_s: float
    position: int


Token = "Text | Emotion | Pause"


def parse(text: str) -> list[Text | Emotion | Pause]:
    """Split `text` into plain text, emotion tags and pauses, in order.

    A tag is [name] or [name:value] / [name value]: an emotion (dirfa.motion.expression's presets, intensity
    0..1, default 1) or pause (seconds, default 0.5, at most 10; "1s" and "500ms" also read). Backslash escapes: \\[ and \\] are literal
    brackets, \\\\ a literal backslash; any other backslash is kept as it is. An unknown or malformed tag, an
    unclosed [ or a stray ] is an InputError naming it and its 1-based character position."""
    tokens: list[Text | Emotion | Pause] = []
    plain: list[str] = []
    plain_start = 1
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "[]\\":
            if not plain:
                plain_start = i + 1
            plain.append(text[i + 1])
            i += 2
            continue
        if ch == "]":
            raise InputError(f"stray ']' at character {i + 1} — {_FORMS}")
        if ch == "[":
            end = text.find("]", i + 1)
            nested = text.find("[", i + 1)
            if end < 0 or (0 <= nested < end):
                raise InputError(f"unclosed '[' at character {i + 1} — {_FORMS}")
            if plain:
                tokens.append(Text("".join(plain), plain_start))
                plain = []
            tokens.append(_tag(text[i + 1 : end], i + 1))
            i = end + 1
            continue
        if not plain:
            plain_start = i + 1
        plain.append(ch)
        i += 1
    if plain:
        tokens.append(Text("".join(plain), plain_start))
    return tokens


def _tag(body: str, position: int) -> Emotion | Pause:
    """One tag's inside ("happy", "sad:0.6", "pause 0.5") -> an Emotion or a Pause."""
    shown = f"[{body}]"
    parts = body.strip().replace(":", " ", 1).split()
    if not parts or len(parts) > 2:
        raise InputError(f"cannot read tag {shown} at character {position} — {_FORMS}")
    name = parts[0].lower()
    value = None
    if len(parts) == 2:
        number, scale = parts[1], 1.0
        if name == "pause":  # "[pause 500ms]" and "[pause 1s]" as SSML's <break time> writes them
            lowered = number.lower()
            if lowered.endswith("ms"):
                number, scale = number[:-2], 0.001
            elif lowered.endswith("s"):
                number = number[:-1]
        try:
            value = float(number) * scale
        except ValueError:
            raise InputError(
                f"tag {shown} at character {position} has no number after '{parts[0]}' — {_FORMS}"
            ) from None
        if not math.isfinite(value):
            raise InputError(f"tag {shown} at character {position} has no finite number — {_FORMS}")
    if name == "pause":
        duration_s = DEFAULT_PAUSE_S if value is None else value
        if not 0.0 < duration_s <= MAX_PAUSE_S:
            raise InputError(
                f"tag {shown} at character {position}: a pause lasts more than 0 and at most {MAX_PAUSE_S:g} s — {_FORMS}"
            )
        return Pause(duration_s, position)
    if name not in EMOTIONS:
        raise InputError(f"unknown tag {shown} at character {position} — {_FORMS}")
    intensity = 1.0 if value is None else value
    if not 0.0 <= intensity <= 1.0:
        raise InputError(f"tag {shown} at character {position}: intensity must be from 0 to 1 — {_FORMS}")
    return Emotion(name, intensity, position)


def plain_text(text: str) -> str:
    """`text` with its tags removed and escapes resolved (what is actually spoken)."""
    return "".join(token.text for token in parse(text) if isinstance(token, Text))
