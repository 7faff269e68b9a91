"""espeak-ng through libespeak-ng.so.1 (ctypes): speech and each phoneme's audio position, ~100 languages.

Voice stage, one engine: text -> voices.Spoken. Phonemes come as IPA from phoneme events
(espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA) and map onto ARPAbet classes below.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
import unicodedata

import numpy as np

from dirfa.errors import DirfaError
from dirfa.voice.voices import Spoken, Voice

log = logging.getLogger(__name__)

LIBRARY = "libespeak-ng.so.1"
RATE_WPM = 175  # espeak-ng's default speaking rate (words per minute); --rate scales it
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450  # espeak-ng's accepted range (speak_lib.h, espeakRATE)
PITCH = 50  # espeak-ng's default base pitch on its 0-100 scale; --pitch scales it
# Silence around each phrase, as festival's voices have (slt ~0.17 s before, ~0.2 s after: measured).
LEAD_IN_S = 0.17
TRAIL_S = 0.2

# speak_lib.h (espeak-ng, API revision 12): constants used here.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PARAM_PITCH = 3

# The library keeps global state and is not reentrant: one synthesis at a time in this process.
_LOCK = threading.Lock()


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    # espeak_EVENT: audio_position in ms, sample = the event's sample index in the output.
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _VoiceInfo(ctypes.Structure):
    # espeak_VOICE; `languages` is a list of (priority byte, NUL-terminated name) pairs ending with a 0 byte.
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _State:
    """The loaded library, its output rate, and the buffers the callback fills during one synthesis."""

    def __init__(self) -> None:
        try:
            self.lib = ctypes.CDLL(LIBRARY)
        except OSError as exc:
            raise DirfaError(
                f"espeak-ng is not installed ({exc}) — install the Debian package espeak-ng"
            ) from exc
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceInfo))
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
        self.rate_hz = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options)
        if self.rate_hz <= 0:
            raise DirfaError("espeak-ng could not start (its data folder is missing?) — reinstall espeak-ng")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, str]] = []
        self.callback = _CALLBACK(self._on_audio)  # kept referenced: the library holds the pointer
        lib.espeak_SetSynthCallback(self.callback)

    def _on_audio(self, wav, n_samples, events) -> int:  # noqa: ANN001 - ctypes callback
        if wav and n_samples > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, (n_samples,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                self.events.append((int(event.sample), event.id.string.decode("utf-8", "replace")))
            i += 1
        return 0


@functools.lru_cache(maxsize=1)
def _state() -> _State:
    return _State()


def available() -> bool:
    """True if libespeak-ng loads and starts."""
    try:
        with _LOCK:
            _state()
        return True
    except DirfaError:
        return False


def _languages(field: int | None) -> list[tuple[str, int]]:
    """(language code, priority) pairs of an espeak_VOICE; a lower priority is the better voice for the code."""
    if not field:
        return []
    out = []
    address = field
    while True:
        priority = ctypes.c_ubyte.from_address(address).value
        if priority == 0:
            break
        name = ctypes.c_char_p(address + 1).value or b""
        out.append((name.decode("ascii", "replace"), priority))
        address += 2 + len(name)
    return out


def voices() -> tuple[Voice, ...]:
    """espeak-ng's languages, one Voice each, named "espeak-<language>" (e.g. espeak-de, espeak-cmn)."""
    return tuple(item[0] for item in _listing())


def language_codes() -> dict[str, tuple[str, ...]]:
    """Voice name -> every language code espeak-ng lists for it (e.g. espeak-cmn: cmn, zh-cmn, zh)."""
    return {item[0].name: item[1] for item in _listing()}


def language_priorities() -> dict[str, dict[str, int]]:
    """Voice name -> {language code: espeak-ng's priority}: lower is the better voice for that code (fr-fr
    lists "fr" at 5, fr-be at 8, so --language fr is spoken as in France)."""
    return {item[0].name: item[3] for item in _listing()}


@functools.lru_cache(maxsize=1)
def _listing() -> tuple[tuple[Voice, tuple[str, ...], str, dict[str, int]], ...]:
    if not available():
        return ()
    with _LOCK:
        state = _state()
        listing = state.lib.espeak_ListVoices(None)
        found = []
        i = 0
        while listing[i]:
            info = listing[i].contents
            pairs = _languages(info.languages)
            languages = [code for code, _ in pairs]
            identifier = (info.identifier or b"").decode("ascii", "replace")
            label = (info.name or b"").decode("utf-8", "replace")
            if languages and not identifier.startswith("mb/"):  # mbrola voices need separate downloads
                sex = {1: "male", 2: "female"}.get(info.gender, "unknown")
                voice = Voice(f"espeak-{languages[0]}", "espeak", languages[0], sex, f"espeak-ng {label}")
                found.append((voice, tuple(languages), identifier, dict(pairs)))
            i += 1
    unique = {item[0].name: item for item in found}
    return tuple(sorted(unique.values(), key=lambda item: item[0].name))


def speak(text: str, voice: Voice, *, rate: float = 1.0, pitch: float = 1.0) -> Spoken:
    """Synthesise `text` with espeak-ng voice `voice`; phones from the phoneme events' sample positions."""
    # Looked up before taking _LOCK: a first _listing() takes the lock itself (threading.Lock is not reentrant).
    identifier = {item[0].name: item[2] for item in _listing()}.get(voice.name, voice.language)
    with _LOCK:
        state = _state()
        lib = state.lib
        if lib.espeak_SetVoiceByName(identifier.encode("ascii")) != 0:
            raise DirfaError(f"espeak-ng cannot load its voice for {voice.language}")
        lib.espeak_SetParameter(_PARAM_RATE, int(np.clip(RATE_WPM * rate, MIN_RATE_WPM, MAX_RATE_WPM)), 0)
        lib.espeak_SetParameter(_PARAM_PITCH, int(np.clip(PITCH * pitch, 0, 100)), 0)
        state.chunks, state.events = [], []
        data = text.encode("utf-8") + b"\0"
        error = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        chunks, events = state.chunks, state.events
        state.chunks, state.events = [], []
    if error != 0:
        raise DirfaError(f"espeak-ng failed to synthesise the text (error {error})")
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
    return _with_silences(Spoken(samples, state.rate_hz, tuple(_phones(events, len(samples), state.rate_hz))))


def _with_silences(spoken: Spoken) -> Spoken:
    """The phrase between LEAD_IN_S and TRAIL_S of silence, as festival's and flite's voices put around it:
    espeak-ng starts its first sound on the first sample and stops on the last, which leaves the face no
    frames to open its mouth before the voice or to settle after it (motion.stream ANTICIPATION_S, SETTLE_S)."""
    rate = spoken.rate_hz
    lead, trail = round(LEAD_IN_S * rate), round(TRAIL_S * rate)
    samples = np.concatenate([np.zeros(lead, np.float32), spoken.samples, np.zeros(trail, np.float32)])
    shift_s = lead / rate
    return Spoken(samples, rate, tuple((p, a + shift_s, b + shift_s) for p, a, b in spoken.phones))


def _phones(events: list[tuple[int, str]], n_samples: int, rate_hz: int) -> list[tuple[str, float, float]]:
    """Each phoneme event starts a phoneme that lasts until the next event; its IPA becomes ARPAbet phones
    (a diphthong or affricate the IPA table knows is one phone; other sequences share the time equally)."""
    out: list[tuple[str, float, float]] = []
    for k, (sample, ipa) in enumerate(events):
        end = events[k + 1][0] if k + 1 < len(events) else n_samples
        start_s, end_s = sample / rate_hz, min(end, n_samples) / rate_hz
        if end_s <= start_s:
            continue
        phones = ipa_to_arpabet(ipa)
        step = (end_s - start_s) / len(phones)
        out.extend((phone, start_s + j * step, start_s + (j + 1) * step) for j, phone in enumerate(phones))
    return out


# IPA -> ARPAbet, by what the lips and jaw do (the viseme classes of dirfa.speech.visemes), after the IPA
# chart (International Phonetic Association, 2020) and espeak-ng's phoneme tables. Sounds English lacks take
# the English phone that looks the same: rounded front vowels (y, ø) look like UW/UH; trills and taps are
# tongue-tip sounds with free lips (D); uvulars and velar fricatives show like K/G/HH; the monophthong e of
# German, Spanish, Italian... is EH (EY glides towards IH, closing the jaw the vowel keeps open).
_IPA: dict[str, str] = {
    # diphthongs and affricates that are one ARPAbet phone
    "aɪ": "AY", "aj": "AY", "ai": "AY", "ɑɪ": "AY", "aʊ": "AW", "au": "AW", "ɑʊ": "AW", "eɪ": "EY", "ei": "EY",
    "oʊ": "OW", "əʊ": "OW", "ou": "OW", "ɔɪ": "OY", "oɪ": "OY", "ɔʏ": "OY", "oi": "OY",
    "tʃ": "CH", "dʒ": "JH", "tɕ": "CH", "dʑ": "JH", "ʈʂ": "CH", "ɖʐ": "JH", "ts": "S", "dz": "Z",
    "ɚ": "ER", "ɝ": "ER", "ɜ": "ER",
    # consonants
    "p": "P", "b": "B", "m": "M", "ɸ": "F", "β": "B", "ɱ": "M", "f": "F", "v": "V", "ʋ": "V",
    "θ": "TH", "ð": "DH", "t": "T", "d": "D", "n": "N", "s": "S", "z": "Z", "ɾ": "D", "r": "D",
    "ʃ": "SH", "ʒ": "ZH", "ɕ": "SH", "ʑ": "ZH", "ʂ": "SH", "ʐ": "ZH", "ʈ": "T", "ɖ": "D", "ɳ": "N",
    "ɹ": "R", "ɻ": "R", "l": "L", "ɫ": "L", "ɬ": "L", "ɮ": "L", "ʎ": "L", "ɭ": "L", "ɺ": "L",
    "c": "K", "ɟ": "G", "ɲ": "N", "ç": "HH", "ʝ": "Y", "j": "Y",
    "k": "K", "g": "G", "ɡ": "G", "ŋ": "NG", "x": "HH", "ɣ": "G", "ɰ": "W", "w": "W", "ɥ": "W", "ʍ": "W",
    "q": "K", "ɢ": "G", "ɴ": "NG", "χ": "HH", "ʁ": "G", "ʀ": "G", "ħ": "HH", "ʕ": "HH", "h": "HH", "ɦ": "HH",
    "ʔ": "HH",
    # vowels
    "i": "IY", "y": "UW", "ɨ": "IH", "ʉ": "UW", "ɯ": "IH", "u": "UW", "ɪ": "IH", "ʏ": "UH", "ʊ": "UH",
    "e": "EH", "ø": "UH", "ɘ": "AH", "ɵ": "UH", "ɤ": "AH", "o": "OW", "ə": "AH", "ɛ": "EH", "œ": "AO",
    "ɞ": "AH", "ʌ": "AH", "ɔ": "AO", "æ": "AE", "ɐ": "AH", "a": "AA", "ɶ": "AO", "ɑ": "AA", "ɒ": "AA",
    "ᵻ": "IH", "ɘ̃": "AH",
}  # fmt: skip
_LONGEST = max(len(key) for key in _IPA)
# Marks that change no lip shape: length, stress, tones (Chao letters and digits), aspiration, palatalised,
# labialised (its w-like rounding is below the viseme resolution), syllabic, non-syllabic, nasal, tie bars.
_IGNORED = set("ːˑˈˌ˥˦˧˨˩ʰʲʷˠˤ̩̯̪̃͡‿-'0123456789") | {"\u0361", "\u035c", "\u0329", "\u032f", "\u0303"}


def ipa_to_arpabet(ipa: str) -> list[str]:
    """One espeak-ng phoneme in IPA ("aɪ", "tʃ", "ɡʲ", "eː", "") -> ARPAbet phones (["SIL"] for a pause)."""
    text = "".join(
        ch for ch in unicodedata.normalize("NFD", ipa) if ch not in _IGNORED and not unicodedata.combining(ch)
    )
    phones: list[str] = []
    i = 0
    while i < len(text):
        for length in range(min(_LONGEST, len(text) - i), 0, -1):
            phone = _IPA.get(text[i : i + length])
            if phone is not None:
                phones.append(phone)
                i += length
                break
        else:
            log.debug("espeak phoneme %r: no ARPAbet class for %r", ipa, text[i])
            i += 1
    return phones or ["SIL"]
