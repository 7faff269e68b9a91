"""dirfa.synthesize / synthesize_phrases: voices, the exact contiguous timeline, in-memory audio, markup
emotions and pauses, phrase by phrase, and every bad input as one InputError line."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.errors import InputError
from dirfa.media.audio import SAMPLE_RATE_HZ
from dirfa.voice import (
    DEFAULT_VOICE,
    MAX_TEXT_CHARS,
    find_voice,
    list_voices,
    synthesize,
    synthesize_phrases,
)


def _check_timeline(synthesis) -> None:
    tl = synthesis.timeline
    assert tl.method == "synthesis"
    assert tl.start_s[0] == 0.0
    assert np.array_equal(tl.end_s[:-1], tl.start_s[1:])
    assert tl.end_s[-1] == pytest.approx(synthesis.audio.duration_s, abs=1e-9)
    assert np.all(tl.end_s > tl.start_s)


def test_voices_list_english_and_other_languages() -> None:
    names = {v.name: v for v in list_voices()}
    assert DEFAULT_VOICE in names and names[DEFAULT_VOICE].sex == "female"
    assert names["kal"].sex == "male"
    assert find_voice(None, "de").engine == "espeak"
    assert find_voice(None, "zh").name == "espeak-cmn"
    assert find_voice(None, "en").name == DEFAULT_VOICE
    # espeak-ng's own preference among the voices that list a code: --language fr once gave Belgian French,
    # the first of fr-be, fr-ch, fr-fr by name.
    assert find_voice(None, "fr").name == "espeak-fr-fr"
    assert find_voice(None, "fr-be").name == "espeak-fr-be"
    assert find_voice(None, "pt").name == "espeak-pt"
    assert find_voice("espeak-en").name == "espeak-en-gb"  # espeak-LANGUAGE for a code without its own name
    assert find_voice("espeak-zh").name == "espeak-cmn"


def test_synthesis_is_in_memory_audio_with_an_exact_timeline() -> None:
    s = synthesize("Bob met Pam.")
    assert s.voice == DEFAULT_VOICE and s.language == "en-US" and s.expressions is None
    audio = s.audio
    assert audio.source is None and audio.sample_rate_hz == SAMPLE_RATE_HZ
    assert audio.original_rate_hz == 32000
    assert abs(len(audio.original) / audio.original_rate_hz - audio.duration_s) < 1e-3
    _check_timeline(s)
    assert [p for p in s.timeline.phones if p != "SIL"] == ["B", "AA", "B", "M", "EH", "T", "P", "AE", "M"]


def test_markup_gives_emotion_keys_at_speech_onsets_and_pauses_as_silence() -> None:
    s = synthesize("[happy] Hello there. [sad:0.6] I missed you. [pause 1.0] Bye.", voice="espeak-en-us")
    _check_timeline(s)
    keys = s.expressions.keys
    assert [(k[1], k[2]) for k in keys] == [("happy", 1.0), ("sad", 0.6)]
    speech = [a for p, a in zip(s.timeline.phones, s.timeline.start_s) if p != "SIL"]
    assert keys[0][0] == pytest.approx(speech[0])
    # The pause: a second of SIL before "Bye" (to a sample of the 16 kHz analysis rate).
    silences = [
        b - a for p, a, b in zip(s.timeline.phones, s.timeline.start_s, s.timeline.end_s) if p == "SIL"
    ]
    assert max(silences) == pytest.approx(1.0, abs=1e-3)
    assert "[" not in s.text and "Bye." in s.text


@pytest.mark.parametrize("voice", ["slt", "espeak-en-us"])
def test_a_pause_is_the_gap_between_the_words(voice: str) -> None:
    # The voice's own silences at the phrase's end and the next one's start are part of the pause, not
    # added to it (festival's alone are ~0.35 s): the words are 0.5 s apart, and 1 s follows a leading pause.
    for text, pause_s in (("Bob met Pam. [pause 0.5] Maybe mad.", 0.5), ("[pause 1] Hello.", 1.0)):
        s = synthesize(text, voice=voice)
        _check_timeline(s)
        tl = s.timeline
        silences = sorted(b - a for p, a, b in zip(tl.phones, tl.start_s, tl.end_s) if p == "SIL")
        assert silences[-1] == pytest.approx(pause_s, abs=0.002), (text, silences)


def test_a_leading_pause_keeps_the_voice_at_its_own_rate_and_speed() -> None:
    # "[pause 1] Hello": the pause alone once set the playable rate to 16 kHz, and slt's 32 kHz samples
    # played at half speed, an octave low, twice as long as the video.
    s = synthesize("[pause 1] Hello, Bob. [pause 0.5] Bye.", voice="slt")
    samples, rate_hz = s.audio.playable()
    assert rate_hz == 32000
    assert len(samples) / rate_hz == pytest.approx(s.audio.duration_s, abs=1e-3)
    alone = synthesize("Hello, Bob.", voice="slt").audio.playable()[0]
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    assert (loud[0] / rate_hz) == pytest.approx(1.0, abs=0.1)  # speech starts after the second of pause
    assert np.abs(samples).max() == pytest.approx(np.abs(alone).max(), rel=0.05)


def test_phrases_come_one_by_one_from_zero_and_carry_the_emotion() -> None:
    parts = list(synthesize_phrases("[happy] One. Two, three. [sad] Four.", language="es"))
    assert len(parts) == 3
    for part in parts:
        _check_timeline(part)
    assert parts[1].expressions.keys == ((0.0, "happy", 1.0),)  # carried over, from t=0
    assert parts[2].expressions.keys[-1][1] == "sad"
    joined = synthesize("[happy] One. Two, three. [sad] Four.", language="es")
    # espeak-ng's output varies by a few ms from call to call; the phrases add up to the whole.
    assert joined.audio.duration_s == pytest.approx(sum(p.audio.duration_s for p in parts), abs=0.05)
    _check_timeline(joined)


def test_unpronounceable_characters_are_skipped() -> None:
    s = synthesize("Hi 😀 there ☃ ✓", voice="rms")
    assert [p for p in s.timeline.phones if p != "SIL"] == ["HH", "AY", "DH", "EH", "R"]
    assert synthesize("Hi 😀", language="de").audio.duration_s > 0.2


@pytest.mark.parametrize("voice", ["slt", "rms"])
def test_typographic_apostrophes_read_as_apostrophes(voice: str) -> None:
    # "don’t" as word processors and chatbots write it: once said "don tee" by the English voices.
    curly = synthesize("I don\u2019t know, it\u2019s fine.", voice=voice).timeline.phones
    assert curly == synthesize("I don't know, it's fine.", voice=voice).timeline.phones


def test_phrases_of_punctuation_alone_are_silence() -> None:
    # Sent to festival, a phrase without words crashes its kal voice; it is silence instead.
    s = synthesize('Hi Bob. " ( ). Bye.', voice="kal")
    assert [p for p in s.timeline.phones if p != "SIL"] == ["HH", "AY", "B", "AA", "B", "B", "AY"]


def test_the_length_limit_counts_the_text_not_its_final_newline() -> None:
    text = "a" * MAX_TEXT_CHARS + "\n"  # a file of exactly the limit, as editors save it
    synthesize_phrases(text)  # checked at the call; nothing is synthesised until iterated
    with pytest.raises(InputError, match=str(MAX_TEXT_CHARS + 1)):
        synthesize_phrases("a" * (MAX_TEXT_CHARS + 1) + "\n")


def test_rate_and_pitch() -> None:
    slow = synthesize("Good morning, everybody.", voice="espeak-en-us", rate=0.6)
    fast = synthesize("Good morning, everybody.", voice="espeak-en-us", rate=1.6)
    assert fast.audio.duration_s < 0.7 * slow.audio.duration_s


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"text": ""}, "empty"),
        ({"text": " \n\t "}, "empty"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, str(MAX_TEXT_CHARS)),
        ({"text": "hi", "voice": "bob"}, "unknown voice 'bob'"),
        ({"text": "hi", "language": "xx"}, "no installed voice speaks 'xx'"),
        ({"text": "hi", "voice": "slt", "language": "de"}, "speaks en-US"),
        ({"text": "hi [hapy]"}, "[hapy] at character 4"),
        ({"text": "😀 ☃"}, "nothing voice"),
        ({"text": "' \" ( ) #", "voice": "kal"}, "nothing voice"),
        ({"text": "hi", "rate": 5}, "--rate 5"),
        ({"text": "hi", "pitch": float("nan")}, "--pitch"),
    ],
)
def test_bad_input_is_one_line(kwargs: dict, words: str) -> None:
    with pytest.raises(InputError) as error:
        synthesize(**kwargs)
    assert words in str(error.value) and "\n" not in str(error.value)


def test_unknown_voice_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as error:
        synthesize("hi", voice="nobody")
    assert all(name in str(error.value) for name in ("slt", "kal", "espeak-de", "dirfa voices"))


def test_prepare_voice_starts_the_engine_before_the_first_phrase() -> None:
    from dirfa.voice import festival, prepare_voice

    festival.close_all()
    voice = prepare_voice(language="en")
    assert voice.name == DEFAULT_VOICE
    server = festival._SERVERS[voice.name]
    assert server.process.poll() is None  # running, waiting for the first phrase
    first = next(synthesize_phrases("Hello there. How are you?"))
    assert festival._SERVERS[voice.name] is server and first.audio.duration_s > 0.3


def test_the_default_voice_is_found_without_listing_the_other_engines(monkeypatch) -> None:
    """No voice and English (or no language): the default voice, the one list_voices() names, found
    without running flite or loading espeak-ng to list theirs."""
    from dirfa.voice import espeak, flite

    listed = next((v for v in list_voices() if v.name == DEFAULT_VOICE), None)
    if listed is None:
        pytest.skip(f"voice {DEFAULT_VOICE} is not installed")

    def listing() -> None:
        raise AssertionError("another engine's voices were listed")

    monkeypatch.setattr(flite, "voices", listing)
    monkeypatch.setattr(espeak, "voices", listing)
    for language in (None, "en", "EN_us", "auto"):
        assert find_voice(None, language) == listed
    with pytest.raises(AssertionError):
        find_voice(None, "de")  # another language: every engine's voices are looked at
