"""Live pacing under injected stalls: late frames of a paced 512 px session with and without the render-ahead,
and what the render-ahead costs in the paced stream's latencies (first frame after say()/pushed audio, interrupt).

Deterministic stalls stand in for a busy machine: a frame takes a 512 px render's time to make (slept, not
spent) and, once a second, the renderer loses 60 or 120 ms more (as when the other session or festival has
the CPU); with and without frames rendered ahead in the same run, so the late frames do not depend on the
machine's load. The stalls run on frames() and on the service's WebRTC pump (serve.webrtc.LiveSession). The
latencies are measured on real 512 px sessions (they do depend on it).

"gil" measures how long each piece of a session's work holds the GIL (the paced stream's thread cannot hand
out a frame meanwhile), and, in one run each, how late a paced thread wakes beside pushed-speech analysis handed
over in 0.4 s steps or 50 ms pieces, and beside a said phrase's analysis in a thread, in the session's helper
process (live.phrase_process) or pure Python of the same CPU. "nice": the same paced thread beside a render
stand-in while festival synthesises from a process at the default priority or at nice 10.

"paired" runs two real 512 px sessions side by side (separate processes) saying the same text, in the two modes
--paired names (say: phrases analysed in the helper; say-thread: in the voice thread, as before; say-niceN: the
helper and festival at nice N), and counts each one's late frames: old and new in the same run.

"holdups" looks for what makes single frames late: two real 512 px sessions (separate processes, as
benchmarks/live.py's capacity run) speak for --seconds each while every piece of work a session does beside
its paced stream is timed (its CPU on its own thread, which a busy machine barely changes, and its wall span):
frame renders, phrase synthesis and analysis, pushed-audio analysis, garbage collections, and the paced
stream's own wake-up and hand-out. For each frame handed out more than half a frame late, the work that
overlapped its last frame period is listed; each kind of work is scored by how much more often it overlaps a
late frame than its share of the run's time would make it (1: chance).

Usage: .venv/bin/python benchmarks/live_pacing.py [--seconds 10] [--trials 5] [--skip stalls latency gil nice paired holdups]
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_md  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FPS = 25
TEXT = (
    "Good morning, and welcome to the show. Today we talk about small computers and what they can do. "
    "A face that speaks needs lips that move with the words. None of that needs a graphics card. "
    "We will look at the voice, the face and the timing, and at what it takes to keep them together."
)
CLIP = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")
# A 512 px frame's render time on the quiet 2-core machine (~17 ms CPU a frame, benchmarks/RESULTS.md, live
# capacity), slept rather than spent, so the figures do not depend on the machine's load.
RENDER_S = 0.017
STALLS_S = (
    0.06,
    0.12,
)  # one stall a second: the worst late frame measured on the quiet machine, and twice it


def late_figures(avatar, ahead: int, stall_s: float, seconds: float, stream: str = "frames") -> dict:
    """A tracks-only session whose every frame takes RENDER_S to make and, once a second, stall_s more
    (sleeping: the renderer losing the CPU to the other session or festival), saying TEXT, paced: frames(), or
    (stream="pump") the service's WebRTC/WebSocket pump (serve.webrtc.LiveSession over aframes()), its frames
    timed as a watcher of the pump gets them."""
    from dirfa.live import Session
    from dirfa.live import session as session_mod

    session_mod.RENDER_AHEAD_FRAMES = ahead
    with Session(avatar, render=False, fps=FPS) as s:
        s.wait_ready()
        s.next_frame()
        make, count = s._make, [0]

        def slow(*, ahead: bool):
            made = make(ahead=ahead)
            if made is not None:
                count[0] += 1
                time.sleep(RENDER_S + (stall_s if count[0] % FPS == 0 else 0.0))
            return made

        s._make = slow
        s.say(TEXT)
        late, started, first, speaking = [], None, None, 0
        for index, is_speaking, now in _paced(s, stream, int(seconds * FPS)):
            if started is None:
                started, first = now, index
            late.append(now - (started + (index - first) / FPS))
            speaking += is_speaking
        late_ms = 1000 * np.array(late)
        figures = {
            "late": int((late_ms > 1000 / FPS).sum()),
            "late_half": s.late_frames,
            "worst_ms": float(late_ms.max()),
            "frames": len(late),
            "speaking": speaking,
        }
    # The wrapped _make ties the closed session in a reference cycle: collected now, not by a collection in the
    # middle of the next run (one such took 260 ms: a stall of every thread, which no frame ahead can absorb).
    gc.collect()
    return figures


def _paced(s, stream: str, n: int) -> list[tuple[int, bool, float]]:
    """The first n paced frames of session s as (index, speaking, perf_counter s when handed out)."""
    got: list[tuple[int, bool, float]] = []
    if stream == "frames":
        frames = s.frames()
        for frame in frames:
            got.append((frame.index, frame.speaking, time.perf_counter()))
            if len(got) >= n:
                break
        frames.close()
        return got
    import asyncio

    from dirfa.serve.webrtc import LiveSession

    async def watch() -> None:
        live = LiveSession("benchmark", s, None)
        feed = live.watch()
        live.start()
        try:
            while len(got) < n:
                frame = json.loads(await feed.queue.get())
                got.append((frame["index"], frame["speaking"], time.perf_counter()))
        finally:
            live.closed = True
            await live.pump_task

    asyncio.run(watch())
    return got


def latency_figures(avatar, ahead: int, trials: int) -> dict:
    """Paced (frames()) latencies: say() and a burst of pushed chunks at a random moment of an idle stream to
    the first frame with sound; interrupt() at a random moment of speech to the first silent frame at rest."""
    from dirfa.live import Session
    from dirfa.live import session as session_mod

    session_mod.RENDER_AHEAD_FRAMES = ahead
    with wave.open(str(CLIP), "rb") as src:
        pcm, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    rng = random.Random(1)
    out: dict[str, list[float]] = {"say": [], "burst": [], "interrupt": [], "stale": []}
    with Session(avatar, size=512, fps=FPS) as s:
        s.wait_ready()
        frames = s.frames()
        for _ in range(5):
            next(frames)
        for _ in range(trials):
            for kind in ("say", "burst"):
                for _ in range(int(FPS * 0.4)):  # idle a while
                    next(frames)
                time.sleep(rng.uniform(0.0, 1.0 / FPS))  # a random moment of the frame period
                t0 = time.perf_counter()
                if kind == "say":
                    s.say(TEXT)
                else:
                    for lo in range(0, rate, rate // 10):
                        s.push_audio(pcm[lo : lo + rate // 10], rate)
                    s.end_audio()
                for frame in frames:
                    if frame.audio.any():
                        out[kind].append(time.perf_counter() - t0)
                        break
                for _ in range(12):  # speaking, with frames made ahead
                    next(frames)
                fired = {}

                def interrupt(fired: dict = fired) -> None:
                    fired["t"] = time.perf_counter()
                    s.interrupt()

                threading.Timer(rng.uniform(0.0, 1.0 / FPS), interrupt).start()
                stale = 0
                for frame in frames:
                    if "t" not in fired:
                        continue
                    if frame.audio.any():
                        stale += 1
                    elif frame.curves["jawOpen"] < 0.02:
                        out["interrupt"].append(time.perf_counter() - fired["t"])
                        break
                out["stale"].append(stale)
        frames.close()
    return out


# --- what precedes a late frame ----------------------------------------------------------------------------

LONG_TEXT = " ".join([TEXT] * 4)  # ~50 s with the default voice: a phrase is synthesised every few seconds


class _Work:
    """Timed spans of a session's work: (kind, thread, start s, end s, CPU s on its thread)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, float, float, float]] = []
        self._gc: dict[str, float] = {}

    def wrap(self, kind: str, fn):
        def timed(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spans.append(
                    (kind, threading.current_thread().name, t0, time.perf_counter(), time.thread_time() - c0)
                )

        return timed

    def phrases(self, phrases):
        """A say() job's phrase iterator, each phrase's synthesis timed (festival works in its process)."""
        phrases = iter(phrases)
        while True:
            t0, c0 = time.perf_counter(), time.thread_time()
            item = next(phrases, None)
            self.spans.append(
                (
                    "phrase synthesis (wait for the voice)",
                    threading.current_thread().name,
                    t0,
                    time.perf_counter(),
                    time.thread_time() - c0,
                )
            )
            if item is None:
                return
            yield item

    def on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc = {"t": time.perf_counter(), "c": time.thread_time()}
        elif self._gc:
            kind = f"garbage collection (gen {info['generation']})"
            self.spans.append(
                (
                    kind,
                    threading.current_thread().name,
                    self._gc["t"],
                    time.perf_counter(),
                    time.thread_time() - self._gc["c"],
                )
            )


def _holdup_child(avatar_path: str, seconds: float, mode: str, out: str) -> None:
    """One 512 px session paced for `seconds` (say(LONG_TEXT), or CLIP pushed in 100 ms chunks at real time),
    its work timed (_Work); writes the spans and each frame's lateness as JSON."""
    import dirfa
    import dirfa.voice
    from dirfa.live import Session
    from dirfa.live import analysis as analysis_mod
    from dirfa.live import session as live_session

    if mode == "say-thread":  # a said phrase analysed in the voice thread, as before live.phrase_process
        live_session.PHRASES_APART = False
        mode = "say"
    work = _Work()
    avatar = dirfa.load_avatar(avatar_path)
    with wave.open(str(CLIP), "rb") as src:
        pcm, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    pcm = np.tile(pcm, int(seconds / (pcm.size / rate)) + 1)
    s = Session(avatar, size=512, fps=FPS)
    s.wait_ready()
    s.next_frame()
    niced = mode.startswith("say-nice")
    if niced:  # "say-nice10": festival's process and the phrase helper at nice 10 (they work ahead)
        from dirfa.live import phrase_process
        from dirfa.voice import festival

        niceness = int(mode.removeprefix("say-nice") or 10)
        helpers = [*festival._SERVERS.values(), phrase_process._HELPER]
        for helper in helpers:
            if helper is not None:
                os.setpriority(os.PRIO_PROCESS, helper.process.pid, niceness)
        mode = "say"
    s._make = work.wrap("frame render (render-ahead thread)", s._make)
    s._phrase_frames = work.wrap("phrase analysis (prosody, mouth, resample)", s._phrase_frames)
    s._take = work.wrap("paced stream: hand-out (takes the session lock)", s._take)
    analysis_mod.StreamAnalyzer.push = work.wrap(
        "pushed-audio analysis step", analysis_mod.StreamAnalyzer.push
    )
    analysis_mod.StreamAnalyzer.finish = work.wrap(
        "pushed-audio analysis step", analysis_mod.StreamAnalyzer.finish
    )
    synthesize_phrases = dirfa.voice.synthesize_phrases
    dirfa.voice.synthesize_phrases = lambda *a, **k: work.phrases(synthesize_phrases(*a, **k))
    gc.callbacks.append(work.on_gc)
    cpu0 = time.process_time()
    if mode == "say":
        s.say(LONG_TEXT)
    n, step = 0, rate // 10
    frames, start, first = [], time.perf_counter(), None
    for frame in s.frames():
        if mode != "say":
            while frame.index * rate // FPS + rate // 5 >= n * step and n * step < pcm.size:
                s.push_audio(pcm[n * step : (n + 1) * step], rate)
                n += 1
        now = time.perf_counter()
        first = frame.index if first is None else first
        due = start + (frame.index - first) / FPS
        frames.append((frame.index, due, now, bool(frame.speaking)))
        if now - due > 1.0:  # as the session's clock: a new clock after a long stall
            start, first = now, frame.index
        if len(frames) >= seconds * FPS:
            break
    cpu = time.process_time() - cpu0
    gc.callbacks.remove(work.on_gc)
    from dirfa.live import phrase_process

    helper = phrase_process._HELPER
    helper_cpu = _process_cpu_s(helper.process.pid) if helper is not None else 0.0
    s.close()
    Path(out).write_text(
        json.dumps(
            {
                "spans": work.spans,
                "frames": frames,
                "cpu_s": cpu,
                "helper_cpu_s": helper_cpu,
                "errors": s.errors,
                "mode": ("say-nice" if niced else mode) if live_session.PHRASES_APART else "say-thread",
            }
        )
    )


def _process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paired_table(results: list[dict], seconds: float) -> str:
    """Two 512 px sessions side by side saying the same text, one analysing its phrases in the helper
    process, the other in its voice thread (as before): their late frames, in the same run."""
    rows = []
    for r in results:
        frames = r["frames"]
        late = np.array([handed - due for _, due, handed, _ in frames])
        n = len(frames)
        rows.append(
            [
                {
                    "say": "helper process (now)",
                    "say-thread": "voice thread (before)",
                    "say-nice": "helper process, it and festival niced",
                }[r["mode"]],
                n,
                int((late > 0.5 / FPS).sum()),
                int((late > 1.0 / FPS).sum()),
                f"{1000 * late.max():.0f}",
                f"{1000 * r['cpu_s'] / n:.1f}",
                f"{1000 * r.get('helper_cpu_s', 0.0) / n:.1f}",
                len(r["errors"]),
            ]
        )
    header = [
        "phrase analysis in",
        "frames",
        "late > 1/2 frame",
        "late > 1 frame",
        "worst late ms",
        "session CPU ms/frame",
        "helper CPU ms/frame",
        "errors",
    ]
    return (
        f"Two 512 px sessions side by side, say(text), {seconds:.0f} s paced each, their said phrases analysed "
        "as the rows say (same run, same machine load):\n\n" + results_md.table(header, rows)
    )


def holdup_figures(
    avatar_path: Path, mode: str, seconds: float, sessions: int = 2, modes: list[str] | None = None
) -> dict:
    """`sessions` _holdup_child processes side by side (each in `mode`, or in modes[k]); their results."""
    ctx = multiprocessing.get_context("spawn")
    modes = modes or [mode] * sessions
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"holdup-{k}.json" for k in range(len(modes))]
        procs = [
            ctx.Process(target=_holdup_child, args=(str(avatar_path), seconds, m, str(o)))
            for m, o in zip(modes, outs, strict=True)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        return [json.loads(o.read_text()) for o in outs if o.exists()]


def holdup_table(results: list[dict], label: str) -> str:
    """Per kind of work: how often, its CPU (mean, max), and how it sits with the late frames."""
    late_limit_s = 0.5 / FPS
    by_kind: dict[str, list] = collections.defaultdict(list)
    overlap: collections.Counter = collections.Counter()
    n_frames = n_late = 0
    run_s = 0.0
    worst = []
    for r in results:
        spans, frames = r["spans"], r["frames"]
        run_s += frames[-1][2] - frames[0][2]
        for span in spans:
            by_kind[span[0]].append(span)
        n_frames += len(frames)
        for index, due, handed, _ in frames:
            if handed - due <= late_limit_s:
                continue
            n_late += 1
            lo = due - 1.0 / FPS
            near = [sp for sp in spans if sp[3] > lo and sp[2] < handed]
            for kind in {sp[0] for sp in near}:
                overlap[kind] += 1
            worst.append(
                (
                    handed - due,
                    index,
                    sorted(
                        ((sp[0], 1000 * (sp[3] - sp[2]), 1000 * sp[4]) for sp in near), key=lambda x: -x[1]
                    )[:3],
                )
            )
    rows = []
    for kind, spans in sorted(by_kind.items()):
        cpu_ms = np.array([sp[4] for sp in spans]) * 1000
        wall_ms = np.array([sp[3] - sp[2] for sp in spans]) * 1000
        # The share of the run's frame periods this kind of work touches (a span reaching into a frame's last
        # period overlaps it): what chance alone would give the late frames.
        covered = sum(min(sp[3] - sp[2] + 1.0 / FPS, 10.0) for sp in spans) / max(run_s, 1e-9)
        share = overlap[kind] / n_late if n_late else 0.0
        rows.append(
            [
                kind,
                len(spans),
                f"{cpu_ms.mean():.1f}",
                f"{cpu_ms.max():.1f}",
                f"{wall_ms.max():.0f}",
                f"{overlap[kind]} of {n_late}",
                f"{share / covered:.1f}" if n_late and covered else "",
            ]
        )
    header = [
        "work",
        "times",
        "CPU ms mean",
        "CPU ms max",
        "wall ms max",
        "late frames it overlaps",
        "x chance",
    ]
    cpu = sum(r["cpu_s"] for r in results) / max(n_frames, 1) * 1000
    lines = [
        f"{label}: {len(results)} sessions x {n_frames // max(len(results), 1)} frames, {n_late} handed out more than "
        f"half a frame late; session CPU {cpu:.1f} ms/frame (whole process).",
        "",
        results_md.table(header, rows),
    ]
    if worst:
        lines += ["", "Latest frames and the longest work in their last frame period (wall ms / CPU ms):", ""]
        for late_s, index, near in sorted(worst, reverse=True)[:5]:
            what = "; ".join(f"{k} {w:.0f}/{c:.0f}" for k, w, c in near) or "none timed"
            lines.append(f"- frame {index}, {1000 * late_s:.0f} ms late: {what}")
    return "\n".join(lines)


# --- GIL holds: what the paced stream's thread must wait for, whatever the machine's load -------------------


def gil_hold_ms(fn, repeats: int = 5) -> tuple[float, str]:
    """(median CPU ms of fn(), its longest GIL hold in ms as "least / median" of the repeats): while fn runs on
    this thread, a thread sleeps 0.5 ms at a time and notes its longest gap between wake-ups. A call that
    releases the GIL leaves gaps near 0.5 ms, one that holds it a gap as long as itself (pure Python work: up to
    the 5 ms switch interval); other load on the machine only lengthens the gaps."""
    cpu, gaps = [], []
    for _ in range(repeats):
        stop, gap = threading.Event(), [0.0]

        def probe(stop: threading.Event = stop, gap: list = gap) -> None:
            last = time.perf_counter()
            while not stop.is_set():
                time.sleep(0.0005)
                now = time.perf_counter()
                gap[0], last = max(gap[0], now - last), now

        watcher = threading.Thread(target=probe)
        watcher.start()
        time.sleep(0.005)  # the probe is sleeping in its loop
        c0 = time.thread_time()
        fn()
        cpu.append(1000 * (time.thread_time() - c0))
        stop.set()
        watcher.join()
        gaps.append(1000 * gap[0])
    return statistics.median(cpu), f"{min(gaps):.1f} / {statistics.median(gaps):.1f}"


def gil_table(avatar) -> str:
    """The GIL holds of a session's work beside its paced stream: pushed-audio analysis (pocketsphinx) in the
    old 0.4 s steps and the new 50 ms pieces, a said phrase's analysis, a 512 px frame's render."""
    import math

    from dirfa.live import Session, analysis, phrase_process
    from dirfa.live import session as live_session
    from dirfa.live.analysis import StreamAnalyzer, decoders
    from dirfa.live.session import DECODE_PIECE_S
    from dirfa.speech import coarticulation
    from dirfa.speech import prosody as speech_prosody
    from dirfa.voice import synthesize

    def cpu_s_of(fn) -> float:
        c0 = time.thread_time()
        fn()
        return time.thread_time() - c0

    with wave.open(str(CLIP), "rb") as src:
        pcm = np.frombuffer(src.readframes(src.getnframes()), "<i2").astype(np.float32) / 32768.0
        rate = src.getframerate()
    assert rate == 16000
    pcm = np.tile(pcm, 3)
    both = decoders(with_words=True)
    rows = []
    for name, decoder in (("phones", both.phones), ("words", both.words)):
        for step_s in (0.4, DECODE_PIECE_S):
            raw = (pcm[: int(step_s * rate)] * 32767).astype("<i2").tobytes()
            decoder.start_utt()
            cpu, hold = gil_hold_ms(lambda d=decoder, r=raw: d.process_raw(r, False, False), 7)
            decoder.end_utt()
            rows.append([f"pocketsphinx {name} decoder, {step_s * 1000:.0f} ms of audio", f"{cpu:.1f}", hold])
    for step_s in (0.4, DECODE_PIECE_S):
        analyzer = StreamAnalyzer(fps=FPS, decoder=both)
        # Past the utterance's first CMN_ADAPT_S (decoded in CMN_STEP_S pieces whatever the step), as most
        # of a long utterance is.
        young = int((getattr(analysis, "CMN_ADAPT_S", 0.0) + 0.2) * rate)
        for lo in range(0, young, rate // 10):
            analyzer.push(pcm[lo : min(lo + rate // 10, young)])
        n = int(step_s * rate)
        pieces = iter([pcm[lo : lo + n] for lo in range(young, young + int(2.4 * rate), n)])
        cpu, hold = gil_hold_ms(lambda a=analyzer, p=pieces: a.push(next(p)), int(2.4 / step_s) - 1)
        analyzer.close()
        rows.append(
            [
                f"pushed-audio analysis step (StreamAnalyzer.push), {step_s * 1000:.0f} ms",
                f"{cpu:.1f}",
                hold,
            ]
        )
    with Session(avatar, size=512, fps=FPS) as s:
        s.wait_ready()
        said = synthesize(TEXT.split(". ")[2] + ".")
        audio = said.audio
        n_frames = int(math.ceil(audio.duration_s * FPS))
        cpu, hold = gil_hold_ms(
            lambda: speech_prosody.analyze(
                audio.samples, sample_rate_hz=audio.sample_rate_hz, fps=FPS, n_frames=n_frames
            )
        )
        rows.append([f"prosody of a said phrase ({audio.duration_s:.1f} s)", f"{cpu:.1f}", hold])
        voice = speech_prosody.analyze(
            audio.samples, sample_rate_hz=audio.sample_rate_hz, fps=FPS, n_frames=n_frames
        )
        cpu, hold = gil_hold_ms(
            lambda: coarticulation.mouth_curves(said.timeline, voice, fps=FPS, n_frames=n_frames)
        )
        rows.append([f"mouth curves of a said phrase ({audio.duration_s:.1f} s)", f"{cpu:.1f}", hold])
        played, played_rate_hz = audio.playable()
        cpu, hold = gil_hold_ms(lambda: analysis.resample(played, played_rate_hz, s.audio_rate_hz))
        rows.append(
            [
                f"resampling its sound {played_rate_hz} -> {s.audio_rate_hz} Hz (PyAV, libswresample)",
                f"{cpu:.1f}",
                hold,
            ]
        )
        same_cpu_s = min(
            cpu_s_of(lambda: phrase_process.analyse_here(said, fps=FPS, out_rate_hz=s.audio_rate_hz))
            for _ in range(3)
        )
        cpu, hold = gil_hold_ms(lambda: _pure_python(same_cpu_s))
        rows.append(["pure Python, as much CPU as a said phrase's analysis", f"{cpu:.1f}", hold])
        for apart, where in (
            (False, "in the voice thread (before)"),
            (True, "through the helper process (now)"),
        ):
            live_session.PHRASES_APART = apart
            cpu, hold = gil_hold_ms(lambda: s._phrase_frames(said))
            rows.append(
                [
                    f"a said phrase's analysis, all of it ({audio.duration_s:.1f} s), {where}",
                    f"{cpu:.1f}",
                    hold,
                ]
            )
        live_session.PHRASES_APART = True
        s.say(TEXT)
        time.sleep(1.0)
        cpu, hold = gil_hold_ms(lambda: s._make(ahead=False), 9)
        rows.append(["a 512 px frame's render (speech)", f"{cpu:.1f}", hold])
    header = [
        "work (on a thread beside the paced stream)",
        "CPU ms a call",
        "longest GIL hold ms, least / median",
    ]
    return (
        "GIL holds of a session's work: the paced stream's thread cannot hand out a frame while another thread "
        "holds the GIL (the longest gap between wake-ups of a thread sleeping 0.5 ms at a time, over the "
        "repeats; pure Python work yields the GIL every 5 ms, sys.getswitchinterval()):\n\n"
        + results_md.table(header, rows)
    )


def _paced_wakeups(modes, set_mode, rounds: int, round_s: float) -> dict:
    """A paced thread (sleeping to each 40 ms frame mark, as Session.frames does) in this thread: each of
    `modes` in turn for round_s (set_mode(mode) switches what runs beside it), `rounds` times; how late each
    wake-up was, ms, per mode."""
    late: dict = {mode: [] for mode in modes}
    for _ in range(rounds):
        for mode in modes:
            set_mode(mode)
            start = time.perf_counter()
            for k in range(int(round_s * FPS)):
                due = start + k / FPS
                time.sleep(max(0.0, due - time.perf_counter()))
                late[mode].append(1000 * (time.perf_counter() - due))
    return late


def _lateness_cells(values: list[float]) -> list:
    """Wake-ups, median / p99 / max ms late, and how many were over half a frame late."""
    v = np.array(values)
    return [
        len(v),
        f"{np.median(v):.1f}",
        f"{np.percentile(v, 99):.1f}",
        f"{v.max():.1f}",
        int((v > 500 / FPS).sum()),
    ]


def wake_table(rounds: int = 6, round_s: float = 2.0) -> str:
    """A paced thread (sleeping to each 40 ms frame mark, as Session.frames does) beside a thread analysing
    pushed speech (StreamAnalyzer, phones and words) at twice real time, handing it over in 0.4 s steps or in
    DECODE_PIECE_S pieces: the same work, in the same run, alternating every round_s; how late the paced thread
    wakes (what a frame handed out then is late by)."""
    from dirfa.live import analysis
    from dirfa.live.analysis import StreamAnalyzer, decoders
    from dirfa.live.session import DECODE_PIECE_S

    with wave.open(str(CLIP), "rb") as src:
        pcm = np.frombuffer(src.readframes(src.getnframes()), "<i2").astype(np.float32) / 32768.0
    pcm = np.tile(pcm, 40)
    rate = 16000
    both = decoders(with_words=True)
    analyzer = StreamAnalyzer(fps=FPS, decoder=both)
    young = int((getattr(analysis, "CMN_ADAPT_S", 0.0) + 0.2) * rate)
    for lo in range(0, young, rate // 10):
        analyzer.push(pcm[lo : min(lo + rate // 10, young)])
    state = {"piece_s": 0.4, "at": young, "stop": False}

    def analyse() -> None:
        step = int(0.4 * rate)
        while not state["stop"] and state["at"] + step < pcm.size:
            t0 = time.perf_counter()
            n = int(state["piece_s"] * rate)
            for lo in range(state["at"], state["at"] + step, n):
                analyzer.push(pcm[lo : lo + n])
            state["at"] += step
            time.sleep(max(0.0, 0.2 - (time.perf_counter() - t0)))  # 0.4 s of speech every 0.2 s

    worker = threading.Thread(target=analyse)
    worker.start()
    try:
        late = _paced_wakeups(
            (0.4, DECODE_PIECE_S), lambda piece_s: state.update(piece_s=piece_s), rounds, round_s
        )
    finally:
        state["stop"] = True
        worker.join()
        analyzer.close()
    rows = [[f"{piece_s * 1000:.0f} ms", *_lateness_cells(values)] for piece_s, values in late.items()]
    header = ["analysis handed", "wake-ups", "median late ms", "p99 ms", "max ms", "late > 1/2 frame"]
    return (
        "A paced thread beside pushed-speech analysis at twice real time (the same work; 0.4 s steps and 50 ms "
        f"pieces alternating every {round_s:.0f} s in one run):\n\n" + results_md.table(header, rows)
    )


def _pure_python(cpu_s: float) -> None:
    """Pure Python work for cpu_s of this thread's CPU: it gives the GIL up only at the switch interval."""
    t0 = time.thread_time()
    while time.thread_time() - t0 < cpu_s:
        sum(range(200))


def phrase_table(rounds: int = 8, round_s: float = 2.0) -> str:
    """A paced thread (as wake_table) beside a said phrase's analysis four times a second: in a thread of
    this process (live.phrase_process.analyse_here, as a session did before), in the session's helper process
    (analyse, as it does now), or pure Python of the same CPU in a thread (what any in-process work of that
    size costs); alternating in one run. The thread's and the helper's results are compared exactly."""
    from dirfa.live import phrase_process
    from dirfa.voice import synthesize

    said = synthesize(TEXT.split(". ")[2] + ".")
    kwargs = dict(fps=FPS, out_rate_hz=48000)
    here = phrase_process.analyse_here(said, **kwargs)
    apart = phrase_process.analyse(said, **kwargs)  # starts the helper
    fields = ("energy_db", "loudness", "f0_hz", "voiced", "speech")
    identical = (
        all(np.array_equal(getattr(here.voice, f), getattr(apart.voice, f)) for f in fields)
        and all(np.array_equal(here.mouth[k], apart.mouth[k]) for k in here.mouth)
        and list(here.mouth) == list(apart.mouth)
        and np.array_equal(here.sound, apart.sound)
    )
    c0 = time.thread_time()
    for _ in range(5):
        phrase_process.analyse_here(said, **kwargs)
    cpu_s = (time.thread_time() - c0) / 5
    c0 = time.thread_time()
    for _ in range(5):
        phrase_process.analyse(said, **kwargs)
    apart_cpu_s = (time.thread_time() - c0) / 5
    work = {
        "thread (before)": lambda: phrase_process.analyse_here(said, **kwargs),
        "helper process (now)": lambda: phrase_process.analyse(said, **kwargs),
        "pure Python, same CPU, thread": lambda: _pure_python(cpu_s),
    }
    state = {"where": "thread (before)", "stop": False}

    def analyse() -> None:
        while not state["stop"]:
            t0 = time.perf_counter()
            work[state["where"]]()
            time.sleep(max(0.0, 0.25 - (time.perf_counter() - t0)))

    worker = threading.Thread(target=analyse)
    worker.start()
    try:
        late = _paced_wakeups(list(work), lambda where: state.update(where=where), rounds, round_s)
    finally:
        state["stop"] = True
        worker.join()
    rows = [[where, *_lateness_cells(values)] for where, values in late.items()]
    header = ["phrase analysis in", "wake-ups", "median late ms", "p99 ms", "max ms", "late > 1/2 frame"]
    return (
        f"A paced thread beside a said phrase's analysis ({said.audio.duration_s:.1f} s phrase: prosody, mouth "
        f"curves, resampling to 48 kHz; {1000 * cpu_s:.0f} ms CPU in a thread, {1000 * apart_cpu_s:.1f} ms of "
        "the calling thread's CPU through the helper) 4 times a second (~10x a session's rate), alternating "
        f"every {round_s:.0f} s in one run; helper's result identical to the thread's: {identical}:\n\n"
        + results_md.table(header, rows)
    )


def _render_stand_in(stop: threading.Event) -> None:
    """~17 ms of numpy and Python work every 40 ms (a 512 px frame's render on the quiet machine), so the
    paced thread competes for the GIL and the cores as beside a session's renderer."""
    rng = np.random.default_rng(0)
    image = rng.random((512, 512, 3), dtype=np.float32)
    while not stop.is_set():
        t0 = time.perf_counter()
        c0 = time.thread_time()
        while time.thread_time() - c0 < RENDER_S:
            image = np.clip(image * 0.999 + 0.0005, 0.0, 1.0)
            sum(range(300))
        time.sleep(max(0.0, 1.0 / FPS - (time.perf_counter() - t0)))


def nice_table(rounds: int = 8, round_s: float = 3.0, niceness: int = 10) -> str:
    """Festival's priority: a paced thread beside a render stand-in (_render_stand_in) while festival
    synthesises phrases back to back (a session's festival works ~15-25 % of the time; back to back is the
    worst case), from one festival process at the default priority or another at nice `niceness`, alternating
    every round_s in one run; with each phrase's synthesis time (what nice could cost: the first phrase of a
    say() waits for it)."""
    from dirfa.voice import festival

    servers = {"nice 0": festival._Server("slt"), f"nice {niceness}": festival._Server("slt")}
    os.setpriority(os.PRIO_PROCESS, servers[f"nice {niceness}"].process.pid, niceness)
    phrases = [p.strip() + "." for p in TEXT.split(".") if p.strip()]
    state = {"which": "nice 0", "stop": False}
    synth_ms: dict[str, list[float]] = {name: [] for name in servers}

    def synthesise() -> None:
        for k in itertools.count():
            if state["stop"]:
                return
            which = state["which"]
            t0 = time.perf_counter()
            servers[which].speak(phrases[k % len(phrases)], rate=1.0, pitch=1.0)
            synth_ms[which].append(1000 * (time.perf_counter() - t0))

    for server in servers.values():
        server.speak(phrases[0], rate=1.0, pitch=1.0)
    stop = threading.Event()
    render = threading.Thread(target=_render_stand_in, args=(stop,))
    voice = threading.Thread(target=synthesise)
    render.start()
    voice.start()
    try:
        late = _paced_wakeups(list(servers), lambda which: state.update(which=which), rounds, round_s)
    finally:
        state["stop"] = True
        stop.set()
        voice.join()
        render.join()
        for server in servers.values():
            server.close()
    rows = [
        [
            f"festival at {which}",
            *_lateness_cells(values),
            f"{np.median(synth_ms[which]):.0f} / {max(synth_ms[which]):.0f}",
        ]
        for which, values in late.items()
    ]
    header = [
        "festival",
        "wake-ups",
        "median late ms",
        "p99 ms",
        "max ms",
        "late > 1/2 frame",
        "phrase synthesis ms, median / max",
    ]
    return (
        "A paced thread beside a 512 px render stand-in while festival (slt) synthesises phrases back to back, "
        f"at the default priority or nice {niceness}, alternating every {round_s:.0f} s in one run:\n\n"
        + results_md.table(header, rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each stall run")
    parser.add_argument("--trials", type=int, default=5, help="say/burst/interrupt trials per setting")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="parts to skip: stalls latency gil nice paired holdups"
    )
    parser.add_argument("--modes", nargs="*", default=["say", "push"], help="holdups: say, push or both")
    parser.add_argument(
        "--paired",
        nargs=2,
        default=["say", "say-thread"],
        help="paired: the two sessions' modes (say: phrases in the helper; say-thread: in the voice thread; "
        "say-niceN: in the helper, it and festival at nice N)",
    )
    parser.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()
    import dirfa

    avatar = dirfa.prepare(ROOT / "examples" / "portrait.jpg")
    body = []
    if "stalls" not in args.skip:
        body.append(stall_table(avatar, args.seconds))
        print(body[-1], flush=True)
    if "latency" not in args.skip:
        body.append(latency_table(avatar, args.trials))
        print(body[-1], flush=True)
    if "gil" not in args.skip:
        body.append(gil_table(avatar))
        print(body[-1], flush=True)
        body.append(wake_table())
        print(body[-1], flush=True)
        body.append(phrase_table())
        print(body[-1], flush=True)
    if "nice" not in args.skip:
        body.append(nice_table())
        print(body[-1], flush=True)
    if "paired" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "portrait.avatar"
            avatar.save(path)
            results = holdup_figures(path, "say", args.seconds, modes=args.paired)
            body.append(paired_table(results, args.seconds))
            for r in results:
                body.append(holdup_table([r], f"The session in mode {r['mode']}"))
            print("\n\n".join(body[-3:]), flush=True)
    if "holdups" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "portrait.avatar"
            avatar.save(path)
            for mode in args.modes:
                results = holdup_figures(path, mode, args.seconds)
                label = {"say": "say(text)", "push": "pushed audio"}[mode]
                body.append(
                    holdup_table(results, f"Two 512 px sessions, {label}, {args.seconds:.0f} s paced")
                )
                print(body[-1], flush=True)
    if not args.no_append:
        note = f"Measured while other work shared the 2 cores (load {results_md.START_LOAD} at start)."
        results_md.append(
            "Live pacing: frames rendered ahead",
            note + "\n\n" + "\n\n".join(body),
            command="benchmarks/live_pacing.py " + " ".join(sys.argv[1:]),
        )


def stall_table(avatar, seconds: float) -> str:
    rows = []
    for stream, label in (("frames", "frames()"), ("pump", "WebRTC pump")):
        for stall_s in STALLS_S:
            for ahead in (0, 3):
                r = late_figures(avatar, ahead, stall_s, seconds, stream)
                rows.append(
                    [
                        label,
                        f"{stall_s * 1000:.0f} ms",
                        ahead,
                        f"{r['frames']} ({r['speaking']} speaking)",
                        r["late"],
                        r["late_half"],
                        f"{r['worst_ms']:.0f}",
                    ]
                )
    header = [
        "stream",
        "stall a second",
        "frames ahead",
        "frames",
        "late > 1 frame",
        "late > 1/2 frame",
        "worst late ms",
    ]
    return (
        f"Paced tracks-only session saying text, each frame made in {RENDER_S * 1000:.0f} ms (slept: a 512 px "
        "render's time on the quiet machine) plus one stall a second; taken from frames(), or from the "
        "service's pump (serve.webrtc.LiveSession, what its WebRTC tracks and sockets get; 0 frames ahead is "
        "how it rendered before, one frame at a time):\n\n" + results_md.table(header, rows)
    )


def latency_table(avatar, trials: int) -> str:
    rows = []
    for ahead in (0, 3):
        r = latency_figures(avatar, ahead, trials)
        med = statistics.median
        rows.append(
            [
                ahead,
                f"{1000 * med(r['say']):.0f}",
                f"{1000 * med(r['burst']):.0f}",
                f"{1000 * med(r['interrupt']):.0f} ({1000 * max(r['interrupt']):.0f})",
                sum(r["stale"]),
            ]
        )
    header = [
        "frames ahead",
        "say -> 1st frame ms",
        "burst -> 1st frame ms",
        "interrupt -> idle ms, median (max)",
        "frames with sound after interrupt",
    ]
    return (
        f"Paced 512 px session (frames()), median of {trials} trials at random moments of the frame period:\n\n"
        + results_md.table(header, rows)
    )


if __name__ == "__main__":
    main()
