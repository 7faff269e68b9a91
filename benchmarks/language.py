"""English-detection benchmark (issue 14): is real English, degraded as users' recordings are, taken for English,
and is other speech (festival's recorded voices in 7 languages, espeak-ng in 24, the shared non-English
recordings) taken for something else?

Each case is analysed as `--language auto` does it (prosody, and the English word decoding of the first
WORD_CHECK_S seconds with posteriors: speech.words.recognize_words), once, into --cache. Then:

- the held-out confusion: the logistic model of speech.language is refitted with each speaker (English) or
  language (other) left out and scores the cases it has not seen; the shared recordings in
  ../shared/data/speech are never fitted on, only scored (by the model fitted on everything else);
- candidate inputs (the share of English function words among the decoded words; a PRLM phone-bigram
  log-likelihood ratio learnt per fold) are scored held out beside the shipped ones (not shipped: no gain);
- the coefficients fitted on all training cases (what speech/language.py holds) are printed;
- the decision as shipped (speech.acoustic.english_confidence >= dirfa.api.ENGLISH_THRESHOLD) on every case.

    .venv/bin/python benchmarks/language.py [--quick] [--jobs 2] [--cache DIR] [--cached-only] [--no-append]

Training data: English = pocketsphinx-testdata (LibriVox, goforward, numbers, something, cards, tidigits) and
English from festival (slt, kal) and flite (rms, awb, slt, kal) so that "synthetic" is not what tells the
classes apart; other = festival's voices in other languages, recorded speakers' diphones/units/HTS (Italian
lp/pc, Russian msu_ru_nsh, Finnish suo_fi_lj/hy_fi_mv, Hindi/Marathi/Telugu NSK, Catalan upc_ca_ona; Debian
festvox-italp16k festvox-itapc16k festvox-ru festvox-suopuhe-lj festvox-suopuhe-mv festvox-hi-nsk
festvox-mr-nsk festvox-te-nsk festvox-ca-ona-hts; a voice that is not installed is left out), two sentences
each in 7 versions, and espeak-ng in 24 languages, two voices/rates each. espeak-ng's own English is scored and
shown on its own row but not fitted on: pocketsphinx's acoustic model fits its formant voice as badly as
a foreign language (measured: -5.3 nats/frame, like espeak-ng German, against -2.9 for recorded English).
Targets from issue 14: >= 95 % of degraded English detected as English, <= 5 % of other languages as English.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import degrade
import numpy as np
import results_md

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
SHARED_SPEECH = results_md.REPO.parent / "shared" / "data" / "speech"
RATE_HZ = degrade.RATE_HZ
FPS = 25.0
MAX_S = 10.0  # the decision sees the first WORD_CHECK_S seconds; longer sources are cut here

ENGLISH_TEXTS = (
    "Good morning, how are you today? Yesterday we went to the market and bought fruit for the whole week.",
    "The weather was cold and grey, so we stayed inside and talked about the books we had read this year.",
    "Please remember to call your mother before dinner, she wanted to hear about the new job.",
    "I think the train will be late again, because there was a problem with the signals near the station.",
)
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
    "fi": "Hyvää huomenta, mitä kuuluu tänään? Eilen kävimme torilla ja ostimme hedelmiä koko viikoksi.",
    "id": "Selamat pagi, apa kabar hari ini? Kemarin kami pergi ke pasar dan membeli buah untuk seminggu.",
    "el": "Καλημέρα, πώς είστε σήμερα; Χθες πήγαμε στην αγορά και αγοράσαμε φρούτα για όλη την εβδομάδα.",
    "hu": "Jó reggelt, hogy vagy ma? Tegnap elmentünk a piacra és gyümölcsöt vettünk az egész hétre.",
    "cs": "Dobré ráno, jak se dnes máte? Včera jsme šli na trh a koupili ovoce na celý týden.",
    "yue": "早晨，你今日點呀？琴日我哋去咗街市，買咗成個禮拜嘅生果。",
    "th": "สวัสดีตอนเช้า วันนี้คุณสบายดีไหม เมื่อวานเราไปตลาดและซื้อผลไม้สำหรับทั้งสัปดาห์",
    "sw": "Habari za asubuhi, hujambo leo? Jana tulienda sokoni na kununua matunda kwa wiki nzima.",
}
# Festival's voices in other languages: recorded diphones / units / HTS of real speakers, far closer to real
# speech than espeak-ng's formants (Debian: festvox-italp16k, festvox-itapc16k, festvox-ru, festvox-suopuhe-lj,
# festvox-suopuhe-mv, festvox-hi-nsk, festvox-mr-nsk, festvox-te-nsk, festvox-ca-ona-hts). voice -> (held-out
# group, text encoding the voice reads: the Italian, Finnish and Catalan lexicons take ISO-8859-1, the others
# UTF-8). Hindi, Marathi and Telugu are one speaker (NSK), held out together.
FESTIVAL_VOICES = {
    "lp_diphone": ("it", "latin-1"),
    "pc_diphone": ("it", "latin-1"),
    "msu_ru_nsh_clunits": ("ru", "utf-8"),
    "suo_fi_lj_diphone": ("fi", "latin-1"),
    "hy_fi_mv_diphone": ("fi", "latin-1"),
    "hindi_NSK_diphone": ("nsk", "utf-8"),
    "marathi_NSK_diphone": ("nsk", "utf-8"),
    "telugu_NSK_diphone": ("nsk", "utf-8"),
    "upc_ca_ona_hts": ("ca", "latin-1"),
}
FESTIVAL_TEXTS = {
    "lp_diphone": OTHER_TEXTS["it"],
    "pc_diphone": "Ieri sera abbiamo cenato in un piccolo ristorante vicino alla stazione, e la pasta era buonissima.",
    "msu_ru_nsh_clunits": OTHER_TEXTS["ru"],
    "suo_fi_lj_diphone": OTHER_TEXTS["fi"],
    "hy_fi_mv_diphone": "Minun veljeni asuu pienessä kylässä järven rannalla, ja kesäisin me uimme ja kalastamme.",
    "hindi_NSK_diphone": OTHER_TEXTS["hi"],
    "marathi_NSK_diphone": "सुप्रभात, आज तुम्ही कसे आहात? काल आम्ही बाजारात गेलो आणि आठवड्यासाठी फळे विकत घेतली.",
    "telugu_NSK_diphone": "శుభోదయం, ఈ రోజు మీరు ఎలా ఉన్నారు? నిన్న మేము మార్కెట్‌కి వెళ్ళి పండ్లు కొన్నాము.",
    "upc_ca_ona_hts": "Bon dia, com estàs avui? Ahir vam anar al mercat i vam comprar fruita per a tota la setmana.",
}
# A second sentence for each voice (other words, the same speaker).
FESTIVAL_TEXTS_2 = {
    "lp_diphone": "Mio fratello lavora come medico in un grande ospedale, e la domenica gioca a calcio con gli amici.",
    "pc_diphone": OTHER_TEXTS["it"],
    "msu_ru_nsh_clunits": "Мой брат работает врачом в большой больнице, а по выходным играет в шахматы с друзьями.",
    "suo_fi_lj_diphone": "Minun veljeni asuu pienessä kylässä järven rannalla, ja kesäisin me uimme ja kalastamme.",
    "hy_fi_mv_diphone": OTHER_TEXTS["fi"],
    "hindi_NSK_diphone": "मेरा भाई एक बड़े अस्पताल में डॉक्टर है, और छुट्टी के दिन वह दोस्तों के साथ क्रिकेट खेलता है।",
    "marathi_NSK_diphone": "माझा भाऊ मोठ्या रुग्णालयात डॉक्टर आहे, आणि सुट्टीच्या दिवशी तो मित्रांसोबत क्रिकेट खेळतो.",
    "telugu_NSK_diphone": "నా సోదరుడు ఒక పెద్ద ఆసుపత్రిలో డాక్టర్‌గా పని చేస్తాడు, సెలవు రోజుల్లో క్రికెట్ ఆడతాడు.",
    "upc_ca_ona_hts": "El meu germà treballa de metge en un hospital gran, i els caps de setmana juga a escacs amb els amics.",
}
TRAIN_KINDS = ("recorded", "synthetic", "festival")  # the kinds of Source the model is fitted on
FESTIVAL_DEGRADATIONS = (
    "clean",
    "reverb 0.6 s",
    "noise 10 dB",
    "phone band",
    "mp3 32k",
    "music bed 12 dB",
    "reverb+noise+phone",
)
ESPEAK_VARIANTS = ("", "+f2", "+m3", "+klatt2")
SHARED_ENGLISH = ("RD_Radio36_000", "RD_Radio40_000")
SHARED_OTHER = ("bus_chinese", "chinese_poem1", "japanese", "eluosi", "fayu", "itosinger1")
SYNTHETIC_DEGRADATIONS = ("clean", "reverb 0.6 s", "noise 10 dB", "phone band", "reverb+noise+phone")
OTHER_DEGRADATIONS = ("clean", "reverb 0.6 s", "phone band", "noise 15 dB", "music bed 12 dB")
QUICK_ENGLISH = ("0870", "0890", "0920", "goforward", "numbers", "RD_Radio36_000")
QUICK_OTHER = ("de", "es", "fr", "ru", "tr", "ar", "hi", "cmn", "ja", "ko")


class Source:
    """One recording: its class ("English" / "other"), speaker or language (the held-out unit), kind
    ("recorded", "synthetic", "espeak English" or "shared": scored, never fitted on), name and samples."""

    def __init__(self, truth: str, group: str, kind: str, name: str, samples: np.ndarray) -> None:
        self.truth, self.group, self.kind, self.name = truth, group, kind, name
        self.samples = samples[: int(MAX_S * RATE_HZ)]


def read(path: Path) -> np.ndarray:
    """16 kHz mono float samples of a WAV or a raw 16 kHz int16 file."""
    if path.suffix == ".raw":
        return np.fromfile(path, dtype="<i2").astype(np.float64) / 32768.0
    import dirfa

    return np.asarray(dirfa.load_audio(path).samples, np.float64)


def synthesise(command: list[str], wav: Path) -> np.ndarray:
    subprocess.run(command, check=True, capture_output=True)
    return read(wav)


def sources(tmp: Path, *, quick: bool) -> list[Source]:
    out = []
    for path in sorted((TESTDATA / "librivox").glob("*.wav")):
        out.append(Source("English", "librivox", "recorded", path.stem[-4:], read(path)))
    for name in ("goforward", "numbers", "something"):
        out.append(Source("English", name, "recorded", name, read(TESTDATA / f"{name}.raw")))
    cards = np.concatenate([read(TESTDATA / "cards" / f"00{i}.wav") for i in range(1, 6)])
    out.append(Source("English", "cards", "recorded", "cards", cards))
    digits = read(TESTDATA / "tidigits" / "dhd.2934z.raw")
    out.append(Source("English", "tidigits", "recorded", "tidigits", digits))
    k = 0

    def text() -> str:
        return ENGLISH_TEXTS[k % 4] + " " + ENGLISH_TEXTS[(k + 1) % 4]

    for voice in ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en-029"):
        wav = tmp / f"en-{voice}.wav"
        x = synthesise(["espeak-ng", "-v", voice, "-s", str(160 + 10 * k), "-w", str(wav), text()], wav)
        out.append(Source("English", f"espeak-{voice}", "espeak English", f"espeak-ng {voice}", x))
        k += 1
    for voice in ("rms", "awb", "slt", "kal"):
        wav = tmp / f"flite-{voice}.wav"
        x = synthesise(["flite", "-voice", voice, "-t", text(), "-o", str(wav)], wav)
        out.append(Source("English", f"flite-{voice}", "synthetic", f"flite {voice}", x))
        k += 1
    for voice in ("cmu_us_slt_arctic_hts", "kal_diphone"):
        wav, txt = tmp / f"festival-{voice}.wav", tmp / f"festival-{voice}.txt"
        txt.write_text(text())
        x = synthesise(["text2wave", "-eval", f"(voice_{voice})", str(txt), "-o", str(wav)], wav)
        out.append(Source("English", f"festival-{voice}", "synthetic", f"festival {voice}", x))
        k += 1
    for i, (lang, sentence) in enumerate(OTHER_TEXTS.items()):
        for j in range(2):
            variant = ESPEAK_VARIANTS[(i + j) % 4] if j else ""
            rate = 150 + 20 * ((i + j) % 3)
            wav = tmp / f"{lang}{variant}-{rate}.wav"
            x = synthesise(
                ["espeak-ng", "-v", lang + variant, "-s", str(rate), "-w", str(wav), sentence], wav
            )
            out.append(Source("other", f"espeak-{lang}", "synthetic", f"espeak-ng {lang}{variant} {rate}", x))
    for voice, (group, encoding) in FESTIVAL_VOICES.items():
        for k, texts in enumerate((FESTIVAL_TEXTS, FESTIVAL_TEXTS_2)):
            wav, txt = tmp / f"festival-{voice}-{k}.wav", tmp / f"festival-{voice}-{k}.txt"
            txt.write_bytes(texts[voice].encode(encoding))
            # text2wave exits 0 and writes nothing when the voice is not installed.
            subprocess.run(
                ["text2wave", "-eval", f"(voice_{voice})", str(txt), "-o", str(wav)], capture_output=True
            )
            if not wav.exists():
                print(f"festival voice {voice} is not installed: left out", file=sys.stderr)
                break
            x = read(wav)
            out.append(Source("other", f"festival-{group}", "festival", f"festival {voice} {k + 1}", x))
    for names, truth in ((SHARED_ENGLISH, "English"), (SHARED_OTHER, "other")):
        for name in names:
            if (SHARED_SPEECH / f"{name}.wav").exists():
                out.append(
                    Source(truth, f"shared-{name}", "shared", name, read(SHARED_SPEECH / f"{name}.wav"))
                )
    if quick:
        keep_other = {f"espeak-{lang}" for lang in QUICK_OTHER}
        out = [
            s
            for s in out
            if (s.truth == "English" and s.name in QUICK_ENGLISH)
            or (s.group in keep_other and s.name.split()[1] in QUICK_OTHER)  # each language's first voice
            or (s.kind == "shared" and s.truth == "other")
            or (s.kind == "festival" and s.name.endswith(" 1"))
        ]
    return out


def degradations(source: Source, *, quick: bool) -> tuple[str, ...]:
    if source.truth == "English" and source.kind in ("recorded", "shared"):
        return tuple(degrade.DEGRADATIONS)
    if source.truth == "English":
        return SYNTHETIC_DEGRADATIONS
    if source.kind == "festival":
        return FESTIVAL_DEGRADATIONS[:3] if quick else FESTIVAL_DEGRADATIONS
    return OTHER_DEGRADATIONS[:3] if quick else OTHER_DEGRADATIONS


def analyse(samples: np.ndarray) -> dict:
    """What the `--language auto` decision sees of a clip: prosody, phones and the check's words (CPU
    seconds of the check's word decoding in cpu_s)."""
    from dirfa.speech import acoustic, phonemes, prosody, words

    n = max(1, int(round(samples.size / RATE_HZ * FPS)))
    voice = prosody.analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
    timeline = phonemes.recognize(samples, sample_rate_hz=RATE_HZ)
    started = time.process_time()
    heard = words.recognize_words(
        samples, sample_rate_hz=RATE_HZ, posteriors_s=acoustic.WORD_CHECK_S, max_s=acoustic.WORD_CHECK_S
    )
    return {"prosody": voice, "timeline": timeline, "words": heard, "cpu_s": time.process_time() - started}


def _case(job: tuple[Path, np.ndarray, str]) -> None:
    path, clean, name = job
    if not path.exists():
        x = np.clip(degrade.DEGRADATIONS[name](clean), -1.0, 1.0).astype(np.float32)
        path.write_bytes(pickle.dumps(analyse(x)))


def features(analysis: dict) -> np.ndarray:
    from dirfa.speech import acoustic, language

    evidence = language.measure(
        analysis["words"], analysis["prosody"], until_s=acoustic.WORD_CHECK_S, timeline=analysis["timeline"]
    )
    return language.model_inputs(evidence)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0) -> np.ndarray:
    """[intercept, weights...] of an L2-regularised logistic regression (Newton's method on standardised
    inputs), the two classes weighted equally whatever their counts."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mu) / sd]
    w = np.zeros(z.shape[1])
    weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-3), 0.5 / max(1 - y.mean(), 1e-3))
    ridge = l2 * np.diag(np.r_[0.0, np.ones(len(w) - 1)])
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -50, 50)))
        grad = z.T @ (weight * (p - y)) + ridge @ w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + ridge
        w -= np.linalg.solve(hess, grad)
    return np.r_[w[0] - np.sum(w[1:] * mu / sd), w[1:] / sd]


def probability(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -50, 50)))


def held_out(
    cases: list[dict],
    *,
    inputs: int | None = None,
    train_kinds: tuple[str, ...] = TRAIN_KINDS,
    extra: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """P(English) of every case from a model that never saw its speaker/language (cases of other kinds,
    the shared recordings among them: the model of all training cases), scaled down for singing as
    speech.language does, and that model's coefficients. inputs: the first this many model inputs only.
    extra: a candidate input beside them, (n,) for every case given the mask of the cases fitted on (so
    that an input learnt from data, a phone bigram, is learnt without the held-out cases too)."""
    from dirfa.speech import language

    base = np.array([c["x"] for c in cases])[:, :inputs]
    y = np.array([c["truth"] == "English" for c in cases], float)
    group = np.array([c["group"] for c in cases])
    train = np.array([c["kind"] in train_kinds for c in cases])

    def columns(fitted: np.ndarray) -> np.ndarray:
        return base if extra is None else np.c_[base, extra(fitted)]

    p = np.zeros(len(cases))
    for g in np.unique(group[train]):
        test, fitted = group == g, train & (group != g)
        x = columns(fitted)
        p[test] = probability(fit_logistic(x[fitted], y[fitted]), x[test])
    x = columns(train)
    w = fit_logistic(x[train], y[train])
    p[~train] = probability(w, x[~train])
    return p * np.array([1.0 - language.SINGING_CUT * c["singing"] for c in cases]), w


# The 100 most frequent words of written English (Brown corpus ranks, Francis & Kucera 1982), nearly all
# function words: in English speech about half the words said; a candidate input (candidates()).
FUNCTION_WORDS = frozenset(
    "the of and to a in that is was he for it with as his on be at by i this had not are but from or have an "
    "they which one you were her all she there would their we him been has when who will more no if out so "
    "said what up its about into than them can only other new some could time these two may then do first "
    "any my now such like our over man me even most made after also did many before must through back years "
    "where much your way well down should because each just those people how too little state good very make "
    "world still own see men work long get here between both life being under never day same another know "
    "while last might us great old year off come since against go came right used take three".split()
)


def function_word_share(analysis: dict) -> float:
    """Share of the check's decoded words (those starting in its first WORD_CHECK_S s) that are FUNCTION_WORDS."""
    from dirfa.speech import acoustic

    heard = analysis["words"]
    said = [w for w, s in zip(heard.words, heard.start_s) if s < acoustic.WORD_CHECK_S]
    return float(np.mean([w in FUNCTION_WORDS for w in said])) if said else 0.0


def loop_phones(analysis: dict) -> list[int]:
    """The phone loop's phones in the first WORD_CHECK_S s as indices (0 = utterance start, silence left out)."""
    from dirfa.speech import acoustic
    from dirfa.speech.phonemes import ARPABET

    index = {p: i + 1 for i, p in enumerate(ARPABET)}
    timeline = analysis["timeline"]
    return [0] + [
        index[p]
        for p, s in zip(timeline.phones, timeline.start_s)
        if s < acoustic.WORD_CHECK_S and p in index
    ]


def phone_bigram_llr(cases: list[dict], fitted: np.ndarray) -> np.ndarray:
    """PRLM (Zissman 1996, phone recognition followed by language modelling): bigram models of the phone
    loop's phones, one trained on the fitted English cases and one on the fitted other cases (add-0.5
    smoothing); per case, the mean log-likelihood ratio English / other of its phone bigrams."""
    n = max(max(c["loop_phones"]) for c in cases) + 1
    models = []
    for english in (True, False):
        counts = np.full((n, n), 0.5)
        for c, f in zip(cases, fitted):
            if f and (c["truth"] == "English") == english:
                np.add.at(counts, (c["loop_phones"][:-1], c["loop_phones"][1:]), 1.0)
        models.append(np.log(counts / counts.sum(axis=1, keepdims=True)))
    out = np.zeros(len(cases))
    for i, c in enumerate(cases):
        a, b = np.array(c["loop_phones"][:-1], int), np.array(c["loop_phones"][1:], int)
        out[i] = float(np.mean(models[0][a, b] - models[1][a, b])) if a.size else 0.0
    return out


def shares_row(cases: list[dict], label: str, taken: np.ndarray) -> list[str]:
    """label, then the share taken for English of each class and kind that recipes() shows."""
    row = [label]
    for truth, kind in (
        ("English", "recorded"),
        ("English", "shared"),
        ("other", "synthetic"),
        ("other", "festival"),
        ("other", "shared"),
    ):
        pick = np.array([c["truth"] == truth and c["kind"] == kind for c in cases])
        row.append(f"{100 * taken[pick].mean():.1f} %" if pick.any() else "-")
    return row


def candidates(cases: list[dict], threshold: float) -> str:
    """Held-out shares with each candidate input beside the shipped three, at `threshold` and at the
    threshold that keeps 95 % of the held-out testdata English."""
    rows = []
    english = np.array([c["truth"] == "English" and c["kind"] == "recorded" for c in cases])
    for label, extra in (
        ("shipped inputs", None),
        ("+ function-word share", lambda fitted: np.array([c["function_share"] for c in cases])),
        ("+ phone-bigram LLR (PRLM)", lambda fitted: phone_bigram_llr(cases, fitted)),
    ):
        p = held_out(cases, extra=extra)[0]
        rows.append(shares_row(cases, f"{label}, threshold {threshold}", p >= threshold))
        at = float(np.quantile(p[english], 0.05))
        rows.append(shares_row(cases, f"{label}, threshold {at:.2f}", p >= at))
    return results_md.table(RECIPE_HEADER, rows)


RECIPE_HEADER = (
    "model (held out; festival scored unseen in the first)",
    "testdata English as English",
    "shared English as English",
    "espeak-ng other as English",
    "festival other as English",
    "shared other as English",
)


def recipes(cases: list[dict], threshold: float) -> str:
    """Held-out shares for the previous recipe (fit and phones per word, espeak-ng as the other languages),
    the same inputs with festival's voices added, and the shipped one (+ the phone disagreement)."""
    rows = []
    for label, inputs, kinds in (
        ("fit + phones/word, other = espeak-ng only (before)", 2, ("recorded", "synthetic")),
        ("fit + phones/word, other = espeak-ng + festival", 2, TRAIN_KINDS),
        ("fit + phones/word + phone disagreement, + festival (shipped)", None, TRAIN_KINDS),
    ):
        taken = held_out(cases, inputs=inputs, train_kinds=kinds)[0] >= threshold
        rows.append(shares_row(cases, label, taken))
    return results_md.table(RECIPE_HEADER, rows)


def tables(cases: list[dict], score: np.ndarray, threshold: float) -> str:
    english = score >= threshold
    rows = []
    for label, pick in (
        ("English, recorded (testdata)", lambda c: c["truth"] == "English" and c["kind"] == "recorded"),
        ("English, festival/flite", lambda c: c["truth"] == "English" and c["kind"] == "synthetic"),
        ("English, shared radio (never fitted)", lambda c: c["truth"] == "English" and c["kind"] == "shared"),
        ("English, espeak-ng (not fitted)", lambda c: c["kind"] == "espeak English"),
        ("other, espeak-ng", lambda c: c["truth"] == "other" and c["kind"] == "synthetic"),
        ("other, festival (recorded voices)", lambda c: c["truth"] == "other" and c["kind"] == "festival"),
        (
            "other, shared recordings (never fitted)",
            lambda c: c["truth"] == "other" and c["kind"] == "shared",
        ),
    ):
        keys = [i for i, c in enumerate(cases) if pick(c)]
        if keys:
            n_en = int(sum(english[i] for i in keys))
            rows.append([label, len(keys), n_en, len(keys) - n_en, f"{100 * n_en / len(keys):.1f} %"])
    out = results_md.table(["speech", "cases", "taken for English", "taken for other", "share English"], rows)
    by = []
    for name in degrade.DEGRADATIONS:
        en = [i for i, c in enumerate(cases) if c["degradation"] == name and c["truth"] == "English"]
        en = [i for i in en if cases[i]["kind"] != "espeak English"]
        other = [i for i, c in enumerate(cases) if c["degradation"] == name and c["truth"] == "other"]
        if en or other:
            by.append(
                [
                    name,
                    f"{sum(english[i] for i in en)}/{len(en)}",
                    f"{sum(english[i] for i in other)}/{len(other)}" if other else "-",
                    f"{min((score[i] for i in en), default=float('nan')):.2f}",
                ]
            )
    header = ["degradation", "English detected (no espeak-ng)", "other taken for English", "lowest English"]
    wrong = [
        f"{c['truth']} {c['name']} ({c['degradation']}) {score[i]:.2f}"
        for i, c in enumerate(cases)
        if english[i] != (c["truth"] == "English") and c["kind"] != "espeak English"
    ]
    return (
        f"{out}\n\nBy degradation:\n\n{results_md.table(header, by)}\n\n"
        f"Wrong (espeak-ng English left out): {'; '.join(wrong) if wrong else 'none'}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "dirfa-language-cache")
    parser.add_argument(
        "--quick", action="store_true", help="6 English sources, 10 languages, fewer versions"
    )
    parser.add_argument("--jobs", type=int, default=1, help="cases analysed at once (processes)")
    parser.add_argument(
        "--cached-only", action="store_true", help="score only the cases already analysed into --cache"
    )
    args = parser.parse_args()
    from dirfa.api import ENGLISH_THRESHOLD
    from dirfa.speech import acoustic, language

    started = time.perf_counter()
    args.cache.mkdir(parents=True, exist_ok=True)
    cases, jobs = [], []
    with tempfile.TemporaryDirectory(prefix="dirfa-language-") as tmpdir:
        for source in sources(Path(tmpdir), quick=args.quick):
            for name in degradations(source, quick=args.quick):
                key = hashlib.sha1(source.samples.tobytes() + name.encode()).hexdigest()[:16]
                path = args.cache / f"{key}.pkl"
                cases.append({**vars(source), "degradation": name, "path": path})
                jobs.append((path, source.samples, name))
    todo = [job for job in jobs if not job[0].exists()]
    if args.cached_only:
        cases = [case for case in cases if case["path"].exists()]
        todo = []
    print(f"{len(cases)} cases, {len(todo)} to analyse", file=sys.stderr)
    with Pool(args.jobs) as pool:
        for k, _ in enumerate(pool.imap_unordered(_case, todo), 1):
            if k % 10 == 0:
                print(f"  {k}/{len(todo)}", file=sys.stderr)
    for case in cases:
        analysis = pickle.loads(case.pop("path").read_bytes())
        case.pop("samples")
        case["x"] = features(analysis)
        case["cpu_s"] = analysis["cpu_s"]
        case["singing"] = language.singing(analysis["timeline"], analysis["prosody"])
        case["function_share"] = function_word_share(analysis)
        case["loop_phones"] = loop_phones(analysis)
        # Exactly what dirfa.api decides with --language auto.
        case["shipped"] = acoustic.english_confidence(
            analysis["timeline"], analysis["prosody"], words=analysis["words"]
        )
    score, w = held_out(cases)
    shipped = np.array([c["shipped"] for c in cases])
    cpu = np.array([c["cpu_s"] for c in cases])
    trade = []
    english = np.array([c["truth"] == "English" and c["kind"] != "espeak English" for c in cases])
    synthetic_other = np.array([c["truth"] == "other" and c["kind"] == "synthetic" for c in cases])
    shared_other = np.array([c["truth"] == "other" and c["kind"] == "shared" for c in cases])
    festival_other = np.array([c["truth"] == "other" and c["kind"] == "festival" for c in cases])
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        taken = score >= threshold
        trade.append(
            [
                threshold,
                f"{100 * taken[english].mean():.1f} %",
                f"{100 * taken[synthetic_other].mean():.1f} %" if synthetic_other.any() else "-",
                f"{100 * taken[festival_other].mean():.1f} %" if festival_other.any() else "-",
                f"{100 * taken[shared_other].mean():.1f} %" if shared_other.any() else "-",
            ]
        )
    trade_header = [
        "threshold",
        "English detected",
        "espeak-ng other as English",
        "festival other as English",
        "shared other as English",
    ]
    coefficients = ", ".join(f"{n} {v:+.3f}" for n, v in zip(("intercept", *language.MODEL_INPUTS), w))
    text = (
        f"Held out (each speaker / language scored by a model fitted without it; threshold {ENGLISH_THRESHOLD}):"
        f"\n\n{tables(cases, score, ENGLISH_THRESHOLD)}\n"
        f"Held out, by recipe (threshold {ENGLISH_THRESHOLD}):\n\n{recipes(cases, ENGLISH_THRESHOLD)}\n\n"
        f"Held out, candidate inputs beside the shipped three (not shipped):\n\n"
        f"{candidates(cases, ENGLISH_THRESHOLD)}\n\n"
        f"Held out, other thresholds (English: recorded, festival/flite and shared, not espeak-ng):\n\n"
        f"{results_md.table(trade_header, trade)}\n\n"
        f"As shipped (speech/language.py's coefficients, fitted on all training cases: in-sample for them):"
        f"\n\n{tables(cases, shipped, ENGLISH_THRESHOLD)}\n"
        f"Fitted on all training cases: {coefficients}.\n"
        f"CPU of the check's word decoding per case (<= {MAX_S:.0f} s of audio): median {np.median(cpu):.1f} s, "
        f"max {cpu.max():.1f} s.\n"
    )
    print(text)
    elapsed = time.perf_counter() - started
    print(f"benchmark took {elapsed:.0f} s", file=sys.stderr)
    if not args.no_append:
        results_md.append(
            "English detection (benchmarks/language.py)",
            (__doc__ or "").split("\n\n")[0] + f" Total {elapsed:.0f} s.\n\n" + text,
            command=" ".join(["benchmarks/language.py", *sys.argv[1:]]),
        )


if __name__ == "__main__":
    main()
