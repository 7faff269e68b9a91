"""Text -> speech with its exact phone timeline: voice choice, limits, markup, phrase-by-phrase synthesis.

Voice stage, the entry point: text (with [happy]/[pause] markup) -> Synthesis (Audio + PhoneTimeline +
ExpressionTimeline), which api.say turns into mouth curves exactly as it does recorded speech.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dirfa.errors import InputError
from dirfa.media.audio import SAMPLE_RATE_HZ, Audio
from dirfa.speech.phonemes import SILENCE, PhoneTimeline
from dirfa.voice import espeak, festival, flite
from dirfa.voice.phrases import split_phrases
from dirfa.voice.voices import DEFAULT_VOICE, Spoken, Voice, resample

if TYPE_CHECKING:
    from dirfa.motion.expression import ExpressionTimeline

# The markup's emotion names and ExpressionTimeline come from dirfa.motion.expression, whose import brings
# SciPy (~0.5-0.9 s on the 2-core machine): they are imported where first used, so that finding a voice
# and starting its engine (start_synthesis) do not wait for it.

log = logging.getLogger(__name__)

# Characters of input text (tags included) one call accepts: ~5-6 minutes of speech at 175 words/min, a
# bound on time and memory; longer text is split by the caller.
MAX_TEXT_CHARS = 5000
MIN_RATE, MAX_RATE = 0.5, 2.0  # --rate: half to twice the voice's natural speed
MIN_PITCH, MAX_PITCH = 0.5, 2.0  # --pitch: an octave down to an octave up
_ENGINES = {"festival": festival, "flite": flite, "espeak": espeak}
# Unicode categories no voice can pronounce and that are dropped: symbols (emoji are "So"), controls,
# private use, unassigned, surrogates. Letters, digits, punctuation and spaces stay.
_DROPPED = frozenset({"So", "Sk", "Cc", "Cf", "Co", "Cn", "Cs"})
# Typographic punctuation NFKC leaves alone, as the ASCII the English voices read: without it "don’t" (a
# right single quotation mark, as word processors and chatbots write it) would be said "don tee".
_TO_ASCII = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
     "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
     "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"}
)  # fmt: skip


@dataclass(frozen=True)
class Synthesis:
    """Synthesised speech.

    audio: 16 kHz analysis samples plus the playable original (voice's own rate), source None.
    timeline: ARPAbet phones + "SIL", method "synthesis", contiguous from 0 to audio.duration_s.
    expressions: emotion keys from inline [happy]... tags (None without tags); times in seconds.
    text: what was spoken (tags removed); voice: the voice's name; language: its language code.
    questions: when each sentence typed as a question (ending in "?") ends, in seconds (its last sound's end):
    the motion's question cue comes from the text, not from the voice's pitch (motion.cues.typed_questions).
    """

    audio: Audio
    timeline: PhoneTimeline
    expressions: ExpressionTimeline | None
    text: str
    voice: str
    language: str
    questions: tuple[float, ...] = ()


def list_voices() -> list[Voice]:
    """The voices installed on this machine: festival's and flite's English voices, then espeak-ng's."""
    return [*festival.voices(), *flite.voices(), *espeak.voices()]


def _norm(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def find_voice(voice: str | None = None, language: str | None = None) -> Voice:
    """The voice to speak with: by name, else the best for `language`, else DEFAULT_VOICE (InputError if
    the voice is unknown or no installed voice speaks the language)."""
    if voice is None and (language is None or _norm(language) in ("en", "en-us", "auto")):
        # The default voice, found without listing the other engines' (flite's list runs flite, espeak-ng's
        # loads its library: ~35 ms of CPU, ~80 ms in every `dirfa say` before the first phrase is spoken).
        default = next((v for v in festival.voices() if v.name == DEFAULT_VOICE), None)
        if default is not None:
            return default
    voices = list_voices()
    if not voices:
        raise InputError("no speech synthesiser is installed — install festival, flite or espeak-ng (Debian)")
    if voice is not None:
        wanted = voice.strip().lower()
        found = next((v for v in voices if v.name.lower() == wanted), None)
        if found is None and wanted.startswith("espeak-"):  # espeak-LANGUAGE for any code espeak-ng lists
            found = _best_espeak(voices, _norm(wanted.removeprefix("espeak-")))
        if found is None:
            named = ", ".join(v.name for v in voices if v.engine != "espeak")
            raise InputError(
                f"unknown voice '{voice}' — installed: {named}, and espeak-LANGUAGE for "
                f"{sum(v.engine == 'espeak' for v in voices)} languages (e.g. espeak-de); `dirfa voices` lists all"
            )
        if language is not None and not _speaks(found, _norm(language)):
            raise InputError(
                f"voice {found.name} speaks {found.language}, not '{language}' — drop one of the two"
            )
        return found
    if language is None or _norm(language) in ("en", "en-us", "auto"):
        default = next((v for v in voices if v.name == DEFAULT_VOICE), None)
        if default is not None:
            return default
        language = language or "en"
    code = _norm(language)
    candidates = [v for v in voices if _speaks(v, code)]
    if candidates:
        # festival and flite first (better than espeak-ng for their language), then espeak-ng's own
        # preference for the code; a voice that speaks it only as a variant ("fr" for fr-be) comes last.
        priorities = espeak.language_priorities()

        def rank(voice: Voice) -> tuple[int, int]:
            found = {_norm(c): p for c, p in priorities.get(voice.name, {}).items()}
            return (voice.engine == "espeak", found.get(code, 256))

        return min(candidates, key=rank)  # the first of equals, in list_voices() order
    raise InputError(f"no installed voice speaks '{language}' — `dirfa voices` lists the languages")


def prepare_voice(voice: str | None = None, language: str | None = None) -> Voice:
    """Find the voice (as find_voice) and load its engine now — festival's process, espeak-ng's library — so
    the first phrase of a live session comes without the start-up (~1 s for festival)."""
    chosen = find_voice(voice, language)
    if chosen.engine == "festival":
        festival.start(chosen)
    elif chosen.engine == "espeak":
        espeak.available()
    return chosen


def _best_espeak(voices: list[Voice], code: str) -> Voice | None:
    """The espeak-ng voice espeak-ng itself prefers for language `code` (lowest priority), or None."""
    priorities = espeak.language_priorities()
    listed = [
        (min(p for c, p in priorities.get(v.name, {}).items() if _norm(c) == code), k, v)
        for k, v in enumerate(voices)
        if v.engine == "espeak" and code in {_norm(c) for c in priorities.get(v.name, {})}
    ]
    return min(listed, key=lambda item: item[:2])[2] if listed else None


def _speaks(voice: Voice, code: str) -> bool:
    codes = [_norm(c) for c in espeak.language_codes().get(voice.name, (voice.language,))]
    return code in codes or any(c.startswith(code + "-") for c in codes)


def _check(text: str, rate: float, pitch: float) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InputError("the text is empty — give words to say")
    # Counted without the surrounding whitespace: a file of exactly MAX_TEXT_CHARS ends with a newline.
    if len(text.strip()) > MAX_TEXT_CHARS:
        raise InputError(
            f"the text is {len(text.strip())} characters long — the limit is {MAX_TEXT_CHARS}; split it and say "
            "each part"
        )
    for name, value, low, high in (
        ("rate", rate, MIN_RATE, MAX_RATE),
        ("pitch", pitch, MIN_PITCH, MAX_PITCH),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"--{name} {value!r} is not a number — use {low:g} to {high:g} (1 is natural)")
        if not low <= value <= high:
            raise InputError(f"--{name} {value:g} is out of range — use {low:g} to {high:g} (1 is natural)")


def speakable(text: str, voice: Voice) -> str:
    """`text` as `voice` can take it: symbols and emoji dropped; for festival and flite (English, ASCII
    only) accents removed and other scripts dropped. Whitespace-only if nothing is left to say."""
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(" " if ch.isspace() or unicodedata.category(ch) in _DROPPED else ch for ch in text)
    if voice.engine != "espeak":
        decomposed = unicodedata.normalize("NFKD", kept.translate(_TO_ASCII))
        kept = "".join(
            ch if ch.isascii() and ch.isprintable() else " "
            for ch in decomposed
            if not unicodedata.combining(ch)
        )
    return " ".join(kept.split())


def has_words(text: str) -> bool:
    """Whether `text` has anything to pronounce: a letter or digit. A phrase of quotes, brackets or other
    punctuation alone is silence — the engines say nothing for it, and festival's kal voice crashes on it."""
    return any(ch.isalnum() for ch in text)


# --- phrase plan ----------------------------------------------------------------------------------------


@dataclass
class _Phrase:
    emotion: tuple[str, float] | None  # a tag at the phrase's start
    text: str  # plain text to speak ("" for a pause alone)
    pause_s: float  # silence after the text
    after_pause: bool = False  # a [pause] comes just before: the voice's own lead-in silence is dropped


def _plan(text: str) -> list[_Phrase]:
    from dirfa.voice import markup

    phrases: list[_Phrase] = []
    emotion = None
    for token in markup.parse(text):
        if isinstance(token, markup.Emotion):
            emotion = (token.emotion, token.intensity)
        elif isinstance(token, markup.Pause):
            if phrases and emotion is None and phrases[-1].pause_s == 0.0:
                phrases[-1].pause_s = token.duration_s
            else:
                phrases.append(_Phrase(emotion, "", token.duration_s))
                emotion = None
        else:
            for piece in split_phrases(token.text):
                after_pause = bool(phrases) and phrases[-1].pause_s > 0.0
                phrases.append(_Phrase(emotion, piece, 0.0, after_pause))
                emotion = None
    if emotion is not None:  # a tag at the very end: nothing follows it to colour
        log.debug("emotion tag at the end of the text has nothing to apply to")
    return phrases


# --- synthesis --------------------------------------------------------------------------------------------


def synthesize_phrases(
    text: str,
    *,
    voice: str | None = None,
    language: str | None = None,
    rate: float = 1.0,
    pitch: float = 1.0,
) -> Iterator[Synthesis]:
    """Speak `text` phrase by phrase (sentences; long ones at clauses): one Synthesis per phrase, each from
    t=0, carrying the emotion in force from earlier tags. Checks the text, voice and markup before
    returning, so errors come at the call, not mid-iteration."""
    _check(text, rate, pitch)
    chosen = find_voice(voice, language)
    plan = _plan(text)
    if not any(has_words(speakable(p.text, chosen)) for p in plan):
        raise InputError(
            f"the text has nothing voice {chosen.name} can say — give words in {chosen.language}"
        )
    return _phrases(plan, chosen, rate=float(rate), pitch=float(pitch))


def _phrases(plan: list[_Phrase], voice: Voice, *, rate: float, pitch: float) -> Iterator[Synthesis]:
    from dirfa.motion.expression import ExpressionTimeline

    engine = _ENGINES[voice.engine]
    current: tuple[str, float] | None = None
    rate_hz = None
    for phrase in plan:
        said = speakable(phrase.text, voice)
        if has_words(said):
            spoken = engine.speak(said, voice, rate=rate, pitch=pitch)
        else:
            spoken = Spoken(np.zeros(0, np.float32), rate_hz or SAMPLE_RATE_HZ, ())
        rate_hz = rate_hz or spoken.rate_hz
        if phrase.after_pause:
            spoken = _without_lead_in(spoken)
        keys = []
        if current is not None:
            keys.append((0.0, *current))
        if phrase.emotion is not None:
            onset_s = next((a for p, a, _ in spoken.phones if p != SILENCE), 0.0)
            keys = [k for k in keys if k[0] < onset_s] + [(onset_s, *phrase.emotion)]
            current = phrase.emotion
        expressions = ExpressionTimeline(tuple(keys)) if keys else None
        yield _assemble(spoken, phrase.pause_s, expressions, phrase.text, voice)


def _without_lead_in(spoken: Spoken) -> Spoken:
    """The phrase from its first sound on: the silence a voice puts before a phrase (festival ~0.17 s) is
    dropped after a [pause], which then alone is the gap before the words."""
    onset_s = next((a for p, a, _ in spoken.phones if p != SILENCE), 0.0)
    cut = min(int(onset_s * spoken.rate_hz), spoken.samples.shape[0])
    if cut <= 0:
        return spoken
    shift_s = cut / spoken.rate_hz
    phones = tuple((p, max(a - shift_s, 0.0), b - shift_s) for p, a, b in spoken.phones if b - shift_s > 1e-9)
    return Spoken(spoken.samples[cut:], spoken.rate_hz, phones)


def _assemble(
    spoken: Spoken, pause_s: float, expressions: ExpressionTimeline | None, text: str, voice: Voice
) -> Synthesis:
    """Audio (+ the pause's silence) and a contiguous phone timeline ending exactly at the audio's end.

    A [pause X] makes the gap after the phrase's last sound X seconds: the voice's own trailing silence
    counts towards it (with the next phrase's lead-in dropped, the words are X apart)."""
    if pause_s > 0.0:
        last_s = max((b for p, _, b in spoken.phones if p != SILENCE), default=0.0)
        pause_s = max(0.0, pause_s - max(0.0, spoken.duration_s - last_s))
    original = np.concatenate([spoken.samples, np.zeros(round(pause_s * spoken.rate_hz), np.float32)])
    if original.shape[0] < 0.1 * spoken.rate_hz:  # load_audio's minimum: shorter is no usable clip
        original = np.concatenate(
            [original, np.zeros(round(0.1 * spoken.rate_hz) - original.shape[0], np.float32)]
        )
    analysis = _to_analysis_rate(original, spoken.rate_hz)
    duration_s = analysis.shape[0] / SAMPLE_RATE_HZ
    timeline = _contiguous(spoken.phones, duration_s)
    audio = Audio(
        samples=analysis,
        sample_rate_hz=SAMPLE_RATE_HZ,
        source=None,
        original=np.clip(original, -1.0, 1.0),
        original_rate_hz=spoken.rate_hz,
    )
    last_s = max((b for p, _, b in spoken.phones if p != SILENCE), default=None)
    questions = (min(last_s, duration_s),) if last_s is not None and asks(text) else ()
    return Synthesis(audio, timeline, expressions, text, voice.name, voice.language, questions)


# Question marks (Latin, full-width, Arabic, Armenian, Ethiopic, Greek's is ";" and not read as one) and what may
# close a sentence after its mark (quotes, brackets).
_QUESTION_MARKS = frozenset("?\uff1f\u061f\u055e\u1367\u2047\u2048\u2049")
_CLOSERS = "\"')]}»”’」』 "


def asks(text: str) -> bool:
    """Whether a phrase's text ends as a question: a question mark in its final punctuation ("Really?!" too)."""
    tail = text.rstrip().rstrip(_CLOSERS)
    end = len(tail)
    while end and not tail[end - 1].isalnum() and not tail[end - 1].isspace():
        end -= 1
    return any(ch in _QUESTION_MARKS for ch in tail[end:])


def _to_analysis_rate(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """Resampled to SAMPLE_RATE_HZ (see voices.resample)."""
    return resample(samples, rate_hz, SAMPLE_RATE_HZ)


def _contiguous(phones: tuple[tuple[str, float, float], ...], duration_s: float) -> PhoneTimeline:
    """Phones laid end to end from 0 to duration_s: gaps become SIL, overlaps and overruns are clipped,
    neighbouring silences merge."""
    segments: list[list] = []

    def add(phone: str, start_s: float, end_s: float) -> None:
        if end_s <= start_s + 1e-9:
            return
        if segments and segments[-1][0] == SILENCE == phone:
            segments[-1][2] = end_s
        else:
            segments.append([phone, start_s, end_s])

    t = 0.0
    for phone, start_s, end_s in phones:
        start_s, end_s = min(max(start_s, t), duration_s), min(end_s, duration_s)
        add(SILENCE, t, start_s)
        add(phone, start_s, end_s)
        t = max(t, end_s)
    add(SILENCE, t, duration_s)
    if segments:
        segments[-1][2] = duration_s
    else:
        segments = [[SILENCE, 0.0, duration_s]]
    return PhoneTimeline(
        phones=tuple(s[0] for s in segments),
        start_s=np.array([s[1] for s in segments]),
        end_s=np.array([s[2] for s in segments]),
        method="synthesis",
    )


def synthesize(
    text: str,
    *,
    voice: str | None = None,
    language: str | None = None,
    rate: float = 1.0,
    pitch: float = 1.0,
) -> Synthesis:
    """Speak `text` (with [happy] / [sad:0.6] / [pause 0.5] markup): the audio and its exact phone timeline.

    voice: a name from list_voices() (default DEFAULT_VOICE, or the best voice for `language`); rate and
    pitch: 0.5-2, 1 is the voice's natural speed and pitch. InputError for empty text, text over
    MAX_TEXT_CHARS, an unknown voice, a language no voice speaks or a malformed tag."""
    parts = list(synthesize_phrases(text, voice=voice, language=language, rate=rate, pitch=pitch))
    return join(parts)


class SynthesisJob:
    """`synthesize` running in a background thread, started before the caller's own slow work (imports,
    loading the photo), which it overlaps: the voice's engine starts first (festival loads a voice for
    ~0.8 s, in its own process), then the text and markup are checked, then the phrases are spoken.

    checked() waits for the checks and raises their InputError (as synthesize_phrases would); result()
    waits for the speech and raises any error of the synthesis. The thread is a daemon: a caller that
    fails elsewhere and exits does not wait for it."""

    def __init__(
        self, text: str, *, voice: str | None, language: str | None, rate: float, pitch: float
    ) -> None:
        self._checked = threading.Event()
        self._done = threading.Event()
        self._check_error: BaseException | None = None
        self._error: BaseException | None = None
        self._result: Synthesis | None = None
        args = (text, voice, language, rate, pitch)
        threading.Thread(target=self._run, args=args, name="dirfa-synthesis", daemon=True).start()

    def _run(self, text: str, voice: str | None, language: str | None, rate: float, pitch: float) -> None:
        try:
            _check(text, rate, pitch)  # the order of synthesize_phrases' checks: the text, then the voice
            chosen = find_voice(voice, language)
            if chosen.engine == "festival":
                # Loads while the markup is checked (and the caller works); the first phrase waits for it.
                threading.Thread(
                    target=_start_quietly, args=(chosen,), name="dirfa-voice", daemon=True
                ).start()
            phrases = synthesize_phrases(text, voice=voice, language=language, rate=rate, pitch=pitch)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by checked()
            self._check_error = exc
            return
        finally:
            self._checked.set()
        try:
            self._result = join(list(phrases))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by result()
            self._error = exc
        finally:
            self._done.set()

    def checked(self) -> None:
        """Wait until the text, voice and markup are checked; raise what the check raised."""
        self._checked.wait()
        if self._check_error is not None:
            raise self._check_error

    def result(self) -> Synthesis:
        """Wait for the speech; raise the check's or the synthesis' error."""
        self.checked()
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _start_quietly(voice: Voice) -> None:
    """Start the voice's festival process; a failure is left for the first phrase to report."""
    try:
        festival.start(voice)
    except Exception:  # noqa: BLE001 - speak() starts it again and raises its error
        log.debug("festival did not start ahead", exc_info=True)


def start_synthesis(
    text: str,
    *,
    voice: str | None = None,
    language: str | None = None,
    rate: float = 1.0,
    pitch: float = 1.0,
) -> SynthesisJob:
    """Start synthesising `text` in the background (see SynthesisJob); the same speech `synthesize` makes."""
    return SynthesisJob(text, voice=voice, language=language, rate=rate, pitch=pitch)


def join(parts: list[Synthesis]) -> Synthesis:
    """Phrases one after another as one Synthesis (timelines and emotion keys shifted to their place)."""
    if len(parts) == 1:
        return parts[0]
    from dirfa.motion.expression import ExpressionTimeline

    offsets = np.cumsum([0.0] + [p.audio.duration_s for p in parts])
    phones: list[tuple[str, float, float]] = []
    keys: list[tuple[float, str, float]] = []
    questions: list[float] = []
    for part, offset in zip(parts, offsets):
        questions.extend(t + offset for t in part.questions)
        tl = part.timeline
        phones.extend((p, a + offset, b + offset) for p, a, b in zip(tl.phones, tl.start_s, tl.end_s))
        for t, emotion, intensity in part.expressions.keys if part.expressions else ():
            if keys and (keys[-1][1:] == (emotion, intensity) or t + offset <= keys[-1][0]):
                continue
            keys.append((t + offset, emotion, intensity))
    analysis = np.concatenate([p.audio.samples for p in parts])
    # One playable rate for all: a phrase that is only a pause has no voice rate of its own (it is made at
    # the analysis rate when it comes first), and each part keeps its duration at the common rate.
    rate_hz = max(p.audio.playable()[1] for p in parts)
    original = np.concatenate([resample(*p.audio.playable(), rate_hz) for p in parts])
    first = parts[0]
    return Synthesis(
        audio=Audio(analysis, SAMPLE_RATE_HZ, None, original=original, original_rate_hz=rate_hz),
        timeline=_contiguous(tuple(phones), analysis.shape[0] / SAMPLE_RATE_HZ),
        expressions=ExpressionTimeline(tuple(keys)) if keys else None,
        text=" ".join(p.text for p in parts if p.text),
        voice=first.voice,
        language=first.language,
        questions=tuple(questions),
    )
