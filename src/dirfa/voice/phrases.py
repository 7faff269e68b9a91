"""Cut text into phrases at sentence and clause boundaries, so long text is synthesised piece by piece.

Voice stage: markup's plain text -> phrases for the engines (memory stays flat; the first phrase is ready fast).
"""

from __future__ import annotations

import re

# A phrase longer than this (characters) is cut at clause punctuation, and past MAX_PHRASE_CHARS at a space:
# ~200 characters is ~12 s of speech at 175 words/min, a comfortable unit to synthesise and play.
CLAUSE_CUT_CHARS = 200
MAX_PHRASE_CHARS = 400

# Sentence ends (Latin, CJK full-width, Devanagari danda, Arabic question mark, ellipsis) followed by space
# or the end; CJK ends need no space after them. Then clause marks for long sentences.
_SENTENCE_END = re.compile(r"[.!?…][\"')\]»”’]*(?=\s)|[。！？।؟][\"')\]»”’」』]*|\n\s*\n")
_CLAUSE = re.compile(r"(?<=[,;:，；：、—])\s*")
# A period after these is no sentence end (English titles and Latin abbreviations).
_ABBREVIATIONS = frozenset("mr mrs ms dr prof st jr sr vs etc e.g i.e no fig".split())


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].split()
        word = before[-1].lower() if before else ""
        if text[match.start()] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        out.append(text[start : match.end()])
        start = match.end()
    out.append(text[start:])
    return out


def split_phrases(text: str) -> list[str]:
    """Non-empty phrases of `text` (whitespace-trimmed), in order; joined with spaces they say the same."""
    out: list[str] = []
    for sentence in _sentences(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= CLAUSE_CUT_CHARS:
            out.append(sentence)
            continue
        out.extend(_cut_long(sentence))
    return out


def _cut_long(sentence: str) -> list[str]:
    """A long sentence cut at clause marks into parts of up to CLAUSE_CUT_CHARS where possible, then at
    spaces (or anywhere, for scripts without spaces) into parts of at most MAX_PHRASE_CHARS."""
    parts: list[str] = []
    current = ""
    for clause in _CLAUSE.split(sentence):
        if current and len(current) + len(clause) > CLAUSE_CUT_CHARS:
            parts.append(current.strip())
            current = ""
        current += clause if not current else " " + clause if not current.endswith(" ") else clause
    if current.strip():
        parts.append(current.strip())
    out: list[str] = []
    for part in parts:
        while len(part) > MAX_PHRASE_CHARS:
            cut = part.rfind(" ", 0, MAX_PHRASE_CHARS)
            cut = cut if cut > 0 else MAX_PHRASE_CHARS
            out.append(part[:cut].strip())
            part = part[cut:].strip()
        if part:
            out.append(part)
    return out
