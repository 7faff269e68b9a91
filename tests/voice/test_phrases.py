"""Phrase splitting: sentences (Latin and CJK punctuation), abbreviations, and long sentences at clauses."""

from __future__ import annotations

from dirfa.voice.phrases import CLAUSE_CUT_CHARS, MAX_PHRASE_CHARS, split_phrases


def test_sentences_become_phrases() -> None:
    text = 'Hello there. How are you? I am "fine." 你好。我叫王明。  Dr. Smith is here... J. Doe too!\n\nNew'
    assert split_phrases(text) == [
        "Hello there.",
        "How are you?",
        'I am "fine."',
        "你好。",
        "我叫王明。",
        "Dr. Smith is here...",
        "J. Doe too!",
        "New",
    ]


def test_long_sentences_are_cut_at_clauses_then_spaces() -> None:
    clauses = ", ".join(["word " * 8] * 20) + "."
    phrases = split_phrases(clauses)
    assert len(phrases) > 1
    assert all(len(p) <= CLAUSE_CUT_CHARS for p in phrases)
    assert " ".join(phrases).split() == clauses.split()
    run_on = "word " * 300
    phrases = split_phrases(run_on)
    assert all(len(p) <= MAX_PHRASE_CHARS for p in phrases)
    assert " ".join(phrases).split() == run_on.split()
    assert split_phrases("   \n ") == []
