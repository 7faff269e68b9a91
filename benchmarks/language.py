"""English-detection benchmark (issue 14): is real English, degraded as users' recordings are, taken for English,
and is other speech (espeak-ng in 16 languages, the shared non-English recordings) taken for something else?

Runs the `--language auto` decision of dirfa.api (prosody, phone recognition, word decoding of the first
WORD_CHECK_S seconds, speech.acoustic.english_confidence) on every case and prints the confusion table.

    .venv/bin/python benchmarks/language.py [--no-append] [--cache features.pkl]

Targets from issue 14: >= 95 % of degraded English detected as English, <= 5 % of other languages as English.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import degrade
import numpy as np
import results_md

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
SHARED_SPEECH = results_md.REPO.parent / "shared" / "data" / "speech"
RATE_HZ = degrade.RATE_HZ
FPS = 25.0

# Short everyday sentences; espeak-ng reads each in its own language's voice.
OTHER_TEXTS = {
    "de": "Guten Morgen, wie geht es Ihnen heute? Ich habe gestern ein neues Buch gelesen und es war spannend.",
    "es": "Buenos días, ¿cómo estás hoy? Ayer fuimos al mercado y compramos frutas para toda la semana.",
    "fr": "Bonjour, comment allez-vous aujourd'hui? Nous avons mangé au restaurant avec nos amis hier soir.",
    "it": "Buongiorno, come stai oggi? Domani andiamo al mare con la famiglia se il tempo è bello.",
    "pt": "Bom dia, como você está hoje? Ontem fomos ao mercado e compramos frutas para a semana.",
    "nl": "Goedemorgen, hoe gaat het vandaag met je? Gisteren hebben we samen in het park gewandeld.",
    "sv": "God morgon, hur mår du idag? Igår gick vi till affären och köpte frukt för hela veckan.",
    "pl": "Dzień dobry, jak się dzisiaj masz? Wczoraj poszliśmy do sklepu i kupiliśmy owoce na cały tydzień.",
    "ru": "Здравствуйте, как у вас дела сегодня? Вчера мы ходили в магазин и купили фрукты на всю неделю.",
    "tr": "Günaydın, bugün nasılsınız? Dün markete gittik ve bütün hafta için meyve aldık.",
    "ar": "صباح الخير، كيف حالك اليوم؟ ذهبنا أمس إلى السوق واشترينا الفاكهة للأسبوع كله.",
    "hi": "सुप्रभात, आज आप कैसे हैं? कल हम बाज़ार गए और पूरे हफ्ते के लिए फल खरीदे।",
    "cmn": "早上好，你今天怎么样？昨天我们去了市场，买了一个星期的水果。",
    "ja": "おはようございます。今日はお元気ですか。昨日は市場へ行って果物を買いました。",
    "ko": "안녕하세요, 오늘 어떻게 지내세요? 어제 우리는 시장에 가서 과일을 샀어요.",
    "vi": "Chào buổi sáng, hôm nay bạn khỏe không? Hôm qua chúng tôi đi chợ và mua trái cây.",
}
SHARED_OTHER = ("bus_chinese", "chinese_poem1", "japanese", "eluosi", "fayu", "itosinger1")
SHARED_ENGLISH = ("RD_Radio36_000", "RD_Radio40_000")
OTHER_DEGRADATIONS = ("clean", "noise 15 dB", "phone band", "music bed 12 dB")


def read(path: Path) -> np.ndarray:
    """16 kHz mono float samples of a WAV or a raw 16 kHz int16 file."""
    if path.suffix == ".raw":
        return np.fromfile(path, dtype="<i2").astype(np.float64) / 32768.0
    import dirfa

    return np.asarray(dirfa.load_audio(path).samples, np.float64)


def english_sources() -> dict[str, np.ndarray]:
    """Real recorded English: pocketsphinx-testdata (LibriVox, command and digit recordings) and, when
    present, the shared radio clips."""
    out = {p.stem[-4:]: read(p) for p in sorted((TESTDATA / "librivox").glob("*.wav"))}
    for name in ("goforward", "numbers", "something"):
        out[name] = read(TESTDATA / f"{name}.raw")
    out["cards-005"] = read(TESTDATA / "cards" / "005.wav")
    for name in SHARED_ENGLISH:
        if (SHARED_SPEECH / f"{name}.wav").exists():
            out[name] = read(SHARED_SPEECH / f"{name}.wav")
    return out


def other_sources(tmp: Path) -> dict[str, np.ndarray]:
    """Other languages: espeak-ng in each OTHER_TEXTS voice, and the shared non-English recordings."""
    out = {}
    for voice, text in OTHER_TEXTS.items():
        wav = tmp / f"{voice}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
        out[f"espeak {voice}"] = read(wav)
    for name in SHARED_OTHER:
        if (SHARED_SPEECH / f"{name}.wav").exists():
            out[name] = read(SHARED_SPEECH / f"{name}.wav")
    return out


def features(samples: np.ndarray) -> dict:
    """What the auto decision sees: prosody, recognised phones and the words of the first seconds."""
    from dirfa.speech import acoustic, phonemes, prosody, words

    n = max(1, int(round(samples.size / RATE_HZ * FPS)))
    voice = prosody.analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
    timeline = phonemes.recognize(samples, sample_rate_hz=RATE_HZ)
    heard = words.recognize_words(
        samples, sample_rate_hz=RATE_HZ, posteriors_s=acoustic.WORD_CHECK_S, max_s=acoustic.WORD_CHECK_S
    )
    return {"prosody": voice, "timeline": timeline, "words": heard}


def decide(f: dict) -> float:
    from dirfa.speech import acoustic

    return acoustic.english_confidence(f["timeline"], f["prosody"], words=f["words"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument("--cache", type=Path, help="keep the analyses in this pickle (to re-score quickly)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a third of the cases (6 English sources, 10 languages, 3 versions)",
    )
    args = parser.parse_args()
    from dirfa.api import ENGLISH_THRESHOLD

    started = time.perf_counter()
    cache = pickle.loads(args.cache.read_bytes()) if args.cache and args.cache.exists() else {}
    cases: list[tuple[str, str, str]] = []  # (truth, source, degradation)
    with tempfile.TemporaryDirectory(prefix="dirfa-language-") as tmpdir:
        sources = {"English": english_sources(), "other": other_sources(Path(tmpdir))}
        if args.quick:
            keep = ("0870", "0890", "0920", "goforward", "numbers", "RD_Radio36_000")
            sources["English"] = {k: v for k, v in sources["English"].items() if k in keep}
            drop = ("espeak it", "espeak pt", "espeak nl", "espeak sv", "espeak pl", "espeak vi")
            sources["other"] = {k: v for k, v in sources["other"].items() if k not in drop}
        for truth, group in sources.items():
            names = degrade.DEGRADATIONS if truth == "English" else OTHER_DEGRADATIONS
            if args.quick and truth == "other":
                names = OTHER_DEGRADATIONS[:3]
            for source, clean in group.items():
                for name in names:
                    key = (truth, source, name)
                    cases.append(key)
                    if key not in cache:
                        x = degrade.DEGRADATIONS[name](clean)
                        cache[key] = features(np.clip(x, -1.0, 1.0).astype(np.float32))
                print(f"  {truth} {source}: {len(names)} versions analysed", file=sys.stderr)
                if args.cache:  # after each source: an interrupted run resumes where it stopped
                    args.cache.write_bytes(pickle.dumps(cache))

    scores = {key: decide(cache[key]) for key in cases}
    english = {key: s >= ENGLISH_THRESHOLD for key, s in scores.items()}
    rows = []
    for truth in ("English", "other"):
        keys = [k for k in cases if k[0] == truth]
        n_en = sum(english[k] for k in keys)
        rows.append([truth, len(keys), n_en, len(keys) - n_en, f"{100 * n_en / max(len(keys), 1):.1f} %"])
    header = ["speech", "cases", "taken for English", "taken for other", "share English"]
    by_degradation = []
    for name in degrade.DEGRADATIONS:
        keys = [k for k in cases if k[2] == name]
        en = [k for k in keys if k[0] == "English"]
        other = [k for k in keys if k[0] == "other"]
        by_degradation.append(
            [
                name,
                f"{sum(english[k] for k in en)}/{len(en)}",
                f"{sum(english[k] for k in other)}/{len(other)}" if other else "-",
                f"{min((scores[k] for k in en), default=float('nan')):.2f}",
            ]
        )
    header2 = ["degradation", "English detected", "other taken for English", "lowest English score"]
    wrong = [
        f"{t} {s} ({d}) {scores[(t, s, d)]:.2f}"
        for t, s, d in cases
        if english[(t, s, d)] != (t == "English")
    ]
    elapsed = time.perf_counter() - started
    text = (
        f"Confusion (threshold {ENGLISH_THRESHOLD}):\n\n{results_md.table(header, rows)}\n\n"
        f"By degradation:\n\n{results_md.table(header2, by_degradation)}\n\n"
        f"Wrong: {'; '.join(wrong) if wrong else 'none'}.\n"
    )
    print(text)
    print(f"benchmark took {elapsed:.0f} s")
    if not args.no_append:
        method = (
            "English sources: pocketsphinx-testdata (5 LibriVox clips, goforward, numbers, something, cards/005) "
            "and the shared RD_Radio clips, each through every degradation of benchmarks/degrade.py (room reverb "
            "RT60 0.6 s, pink/white noise at 10-20 dB SNR, phone band 300-3400 Hz at 8 kHz, MP3 and AAC at "
            "32 kbit/s via PyAV, +12 dB clipped, -24 dB, a synthetic music bed at 12 dB, reverb+noise+phone). "
            "Other: espeak-ng in 16 languages and the shared Mandarin, Japanese, Russian, French and sung clips, "
            f"each clean and {', '.join(OTHER_DEGRADATIONS[1:])}. Decision: dirfa.api's `--language auto` "
            f"(english_confidence >= {ENGLISH_THRESHOLD}). Total {elapsed:.0f} s."
        )
        results_md.append(
            "English detection (benchmarks/language.py)",
            method + "\n\n" + text,
            command=" ".join(["benchmarks/language.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
