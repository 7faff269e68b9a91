"""Inline markup: [happy], [sad:0.6], [pause 0.5], escapes, and errors that name the tag and its position."""

from __future__ import annotations

import pytest

from dirfa.errors import InputError
from dirfa.voice.markup import Emotion, Pause, Text, parse, plain_text


def test_tags_split_the_text_in_order() -> None:
    tokens = parse("[happy] So good to see you! [sad:0.6] I missed you. [pause 0.5] [neutral] Shall we?")
    kinds = [type(t).__name__ for t in tokens]
    assert kinds == ["Emotion", "Text", "Emotion", "Text", "Pause", "Text", "Emotion", "Text"]
    assert tokens[0] == Emotion("happy", 1.0, 1)
    assert tokens[2] == Emotion("sad", 0.6, 29)
    assert tokens[4] == Pause(0.5, 53)
    assert tokens[1] == Text(" So good to see you! ", 8)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("[pause]", Pause(0.5, 3)),
        ("[pause:1.25]", Pause(1.25, 3)),
        ("[pause 500ms]", Pause(0.5, 3)),
        ("[pause 2s]", Pause(2.0, 3)),
        ("[ Surprised 0.3 ]", Emotion("surprised", 0.3, 3)),
        ("[ANGRY]", Emotion("angry", 1.0, 3)),
    ],
)
def test_tag_forms(tag: str, expected: object) -> None:
    assert parse(f"a {tag} b")[1] == expected


def test_escaped_brackets_and_backslashes_are_plain_text() -> None:
    assert plain_text(r"Press \[enter\] then \\ and a\b") == r"Press [enter] then \ and a\b"
    assert parse(r"\[happy\]") == [Text("[happy]", 1)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hi [hapy] there", ("[hapy]", "character 4")),
        ("hi [happy:2]", ("[happy:2]", "character 4")),
        ("hi [happy:lots]", ("[happy:lots]", "character 4")),
        ("[pause 0]", ("[pause 0]", "character 1")),
        ("[pause 11]", ("[pause 11]", "character 1")),
        ("ok [pause 1 2]", ("[pause 1 2]", "character 4")),
        ("ok []", ("[]", "character 4")),
        ("a [happy b", ("unclosed '['", "character 3")),
        ("a [b [happy]", ("unclosed '['", "character 3")),
        ("a ] b", ("stray ']'", "character 3")),
    ],
)
def test_malformed_tags_name_the_tag_and_position(text: str, words: tuple[str, str]) -> None:
    with pytest.raises(InputError) as error:
        parse(text)
    message = str(error.value)
    assert all(word in message for word in words), message
    assert "\n" not in message and "\\[" in message  # says how to escape
