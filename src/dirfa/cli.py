"""The `dirfa` command: argument parsing, progress and exit codes over the Python API — nothing else.

Subcommands: animate (photo + speech -> MP4), render (photo + speech + edited animation -> MP4), visemes.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import signal
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

from dirfa.errors import DirfaError, InputError

log = logging.getLogger("dirfa")

# Errors of the disk, not of dirfa: full, over quota, read-only.
_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}

EXAMPLES = {
    "animate": """\
        examples:
          dirfa animate face.jpg speech.wav -o talking.mp4
          dirfa animate face.jpg speech.mp3 -o talk.mp4 --text "Hello, how are you today?" --emotion happy:0.6
          dirfa animate face.jpg speech.wav -o take.mp4 --samples 3 --seed 7 --crop --size 512
          dirfa animate face.jpg speech.wav -o out.mp4 --expressions "0:neutral,2.5:happy:0.8,4:sad:0.5"
          dirfa animate face.jpg speech.wav -o out.mp4 --save-animation anim.json   # edit, then `dirfa render`
        """,
    "render": """\
        example:
          dirfa animate face.jpg speech.wav -o first.mp4 --save-animation anim.json
          (edit anim.json: every track is one number per frame; see `dirfa tracks`)
          dirfa render face.jpg speech.wav --animation anim.json -o edited.mp4
        """,
    "visemes": """\
        examples:
          dirfa visemes speech.wav                      # JSON mouth cues on stdout
          dirfa visemes speech.wav --text "hello there" -o cues.tsv
        """,
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must not be negative")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def _add_framing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size", type=_positive_int, metavar="W", help="output width in pixels (height follows)"
    )
    parser.add_argument(
        "--crop", action="store_true", help="a face-centred square instead of the whole picture"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="processes for speech analysis and rendering (default: one per core; 1 = this process only)",
    )
    parser.add_argument(
        "--face", type=_positive_int, default=0, metavar="K", help="which face: 0 = the largest"
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and diagnostics")


def _add_speech(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--text", metavar="WORDS", help="what is said: aligns the lips to the words (English)")
    group.add_argument("--transcript", type=Path, metavar="FILE", help="like --text, from a UTF-8 text file")
    parser.add_argument(
        "--language",
        default="auto",
        metavar="CODE",
        help="'en' for English lip reading, any other code (ja, zh, ...) for the language-independent path; "
        "default: auto",
    )


def _version() -> str:
    """The installed version, without importing the pipeline (mediapipe, OpenCV take a second to load)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dirfa")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dirfa",
        description="Turn one photo of a face and a speech clip into a talking-head video.",
        epilog="Run `dirfa COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"dirfa {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=textwrap.dedent(EXAMPLES.get(name, "")),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    animate = sub("animate", "photo + speech -> talking-head MP4")
    animate.add_argument("portrait", type=Path, help="photo of a face (JPEG, PNG, WebP, BMP)")
    animate.add_argument("audio", type=Path, help="speech (WAV, MP3, M4A, OGG, FLAC, or a video's sound)")
    animate.add_argument("-o", "--output", type=Path, required=True, help="the MP4 to write")
    animate.add_argument("--fps", type=_positive_int, default=25, help="frames per second (default 25)")
    animate.add_argument("--seed", type=_positive_int, default=0, help="take number: same seed, same video")
    animate.add_argument(
        "--samples", type=_positive_int, default=1, metavar="K", help="write K takes OUT_1 ... OUT_K"
    )
    _add_framing(animate)
    _add_speech(animate)
    motion = animate.add_argument_group("motion and expression")
    motion.add_argument(
        "--head-motion", type=_number, default=1.0, metavar="SCALE", help="0 still, 1 natural, 2 lively"
    )
    motion.add_argument("--still", action="store_true", help="no head motion (same as --head-motion 0)")
    motion.add_argument(
        "--blink-rate", type=_number, metavar="PER_MIN", help="blinks per minute (default natural)"
    )
    motion.add_argument("--no-gaze", action="store_true", help="eyes fixed on the camera")
    motion.add_argument(
        "--emotion",
        metavar="NAME[:INTENSITY]",
        help="neutral, happy, sad, angry, surprised (e.g. happy:0.7), or auto",
    )
    motion.add_argument(
        "--expressions",
        metavar="TIMELINE",
        help="emotions over time: a JSON file or '0:neutral,2.5:happy:0.8,4:sad'",
    )
    out = animate.add_argument_group("extra outputs")
    out.add_argument("--save-animation", type=Path, metavar="FILE", help="write every track as editable JSON")
    out.add_argument(
        "--export-visemes", type=Path, metavar="FILE", help="write timed mouth cues (.json or .tsv)"
    )
    _add_common(animate)

    render = sub("render", "photo + speech + an (edited) animation JSON -> MP4")
    render.add_argument("portrait", type=Path)
    render.add_argument("audio", type=Path)
    render.add_argument("--animation", type=Path, required=True, metavar="FILE", help="from --save-animation")
    render.add_argument("-o", "--output", type=Path, required=True)
    _add_framing(render)
    _add_common(render)

    cues = sub("visemes", "speech -> timed mouth cues (JSON on stdout, or a .json/.tsv file)")
    cues.add_argument("audio", type=Path)
    cues.add_argument("-o", "--output", type=Path, help=".json or .tsv file (default: JSON on stdout)")
    cues.add_argument(
        "--fps", type=_positive_int, default=100, help="time resolution (default 100 per second)"
    )
    _add_speech(cues)
    _add_common(cues)

    tracks = sub("tracks", "list the animation tracks, their units and ranges (JSON on stdout)")
    _add_common(tracks)
    return parser


def _progress(quiet: bool, label: str):
    def wrap(stream: Iterator, total: int) -> Iterator:
        if quiet:
            return stream
        from tqdm import tqdm

        # delay: nothing is drawn for renders that finish within a second.
        return tqdm(stream, total=total, desc=label, unit="frame", file=sys.stderr, delay=1.0, leave=False)

    return wrap


def _read_text(args: argparse.Namespace) -> str | None:
    if getattr(args, "transcript", None) is None:
        return args.text
    try:
        return args.transcript.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"transcript {args.transcript} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read transcript {args.transcript}: {exc}") from None


def _expressions(args: argparse.Namespace):
    from dirfa import load_timeline, parse_emotion, parse_timeline

    if args.emotion and args.expressions:
        raise InputError("give either --emotion or --expressions, not both")
    if args.emotion:
        return "auto" if args.emotion.strip().lower() == "auto" else parse_emotion(args.emotion)
    if args.expressions:
        text = args.expressions
        if text.lower().endswith(".json") or Path(text).is_file():
            return load_timeline(Path(text))
        return parse_timeline(text)
    return None


def _take_path(output: Path, take: int, takes: int) -> Path:
    return output if takes == 1 else output.with_name(f"{output.stem}_{take}{output.suffix}")


def _check_outputs(outputs: dict[str, Path | None], inputs: dict[str, Path | None]) -> None:
    """Before any slow work: every output can be created, and none overwrites an input or another output.

    outputs, inputs: what the user calls each file (e.g. "output", "the audio") -> its path, or None."""
    from dirfa.errors import OutputError
    from dirfa.media.files import check_writable

    others = {role: path for role, path in inputs.items() if path is not None}
    for role, path in outputs.items():
        if path is None:
            continue
        check_writable(path)
        folder = path.parent if str(path.parent) else Path(".")
        # A real try in the output folder: permission bits do not stop root, but /proc, read-only mounts
        # and full disks do.
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise OutputError(
                f"cannot create a file in {folder} ({exc.strerror}) — choose a folder you can write to"
            ) from None
        for other_role, other in others.items():
            if os.path.abspath(path) == os.path.abspath(other) or (
                path.exists() and other.exists() and path.samefile(other)
            ):
                raise OutputError(f"{role} {path} would overwrite {other_role} — choose another file name")
        others[role] = path


def _animate(args: argparse.Namespace) -> int:
    import dirfa
    from dirfa.api import output_size

    if args.samples < 1:
        raise InputError("--samples must be at least 1")
    takes = range(1, args.samples + 1)
    outputs: dict[str, Path | None] = {}
    for take in takes:
        which = f" (take {take})" if args.samples > 1 else ""
        outputs[f"output{which}"] = _take_path(args.output, take, args.samples)
        if args.save_animation is not None:
            outputs[f"--save-animation{which}"] = _take_path(args.save_animation, take, args.samples)
    outputs["--export-visemes"] = args.export_visemes
    inputs = {
        "the portrait": args.portrait,
        "the audio": args.audio,
        "the transcript": args.transcript,
        "the emotion timeline": Path(args.expressions) if args.expressions else None,
    }
    _check_outputs(outputs, inputs)
    text = _read_text(args)
    expressions = _expressions(args)
    head_motion = 0.0 if args.still else args.head_motion
    portrait = dirfa.load_portrait(args.portrait, face_index=args.face)
    output_size(portrait, size=args.size, crop=args.crop)  # a bad --size fails now, not after the analysis
    audio = dirfa.load_audio(args.audio)
    speech = dirfa.analyze_speech(
        audio, fps=args.fps, text=text, language=args.language, workers=_workers(args)
    )
    # Side files are written after the video of their take, so a failed render leaves nothing behind.
    for take in takes:
        tracks = dirfa.animate(
            audio,
            fps=args.fps,
            seed=args.seed + take - 1,
            head_motion=head_motion,
            blink_rate_per_min=args.blink_rate,
            gaze=not args.no_gaze,
            expressions=expressions,
            speech=speech,
        )
        output = _take_path(args.output, take, args.samples)
        label = f"take {take}/{args.samples}" if args.samples > 1 else "rendering"
        dirfa.render(
            portrait,
            tracks,
            output,
            audio=audio,
            size=args.size,
            crop=args.crop,
            progress=_progress(args.quiet, label),
            workers=_workers(args),
        )
        log.info("wrote %s", output)
        if args.save_animation is not None:
            tracks.save(_take_path(args.save_animation, take, args.samples))
    if args.export_visemes is not None:
        _write_cues(dirfa.viseme_cues(speech), args.export_visemes)
    return 0


def _render(args: argparse.Namespace) -> int:
    import dirfa
    from dirfa.api import frame_count, output_size

    _check_outputs(
        {"output": args.output},
        {"the portrait": args.portrait, "the audio": args.audio, "the animation": args.animation},
    )
    tracks = dirfa.Tracks.load(args.animation)
    if tracks.n_frames == 0:
        raise InputError(f"animation {args.animation} has no frames")
    portrait = dirfa.load_portrait(args.portrait, face_index=args.face)
    output_size(portrait, size=args.size, crop=args.crop)
    audio = dirfa.load_audio(args.audio)
    # The video lasts as long as its sound; a longer animation is another clip's (or a mistyped n_frames).
    if tracks.n_frames > frame_count(audio.duration_s, tracks.fps) + 1:
        raise InputError(
            f"animation {args.animation} lasts {tracks.duration_s:.2f} s but {args.audio} only "
            f"{audio.duration_s:.2f} s — use the recording the animation was made from"
        )
    dirfa.render(
        portrait,
        tracks,
        args.output,
        audio=audio,
        size=args.size,
        crop=args.crop,
        progress=_progress(args.quiet, "rendering"),
        workers=_workers(args),
    )
    return 0


def _workers(args: argparse.Namespace) -> int:
    # One process per core by default: long clips decode words and render frames on all of them (short
    # ones stay in this process, where a second would not pay for its start-up).
    from dirfa.render.stream import default_workers

    workers = getattr(args, "workers", None)
    return default_workers() if workers is None else max(1, workers)


def _write_cues(cues: list, path: Path) -> None:
    from dirfa.speech import visemes

    if path.suffix.lower() == ".tsv":
        visemes.write_cues_tsv(cues, path)
    else:
        visemes.write_cues_json(cues, path)


def _visemes(args: argparse.Namespace) -> int:
    import dirfa

    _check_outputs({"output": args.output}, {"the audio": args.audio, "the transcript": args.transcript})
    audio = dirfa.load_audio(args.audio)
    speech = dirfa.analyze_speech(
        audio, fps=args.fps, text=_read_text(args), language=args.language, workers=_workers(args)
    )
    cues = dirfa.viseme_cues(speech)
    if args.output is not None:
        _write_cues(cues, args.output)
    else:
        json.dump(
            {"mouthCues": [{"start": a, "end": b, "value": v} for a, b, v in cues]}, sys.stdout, indent=1
        )
        sys.stdout.write("\n")
        sys.stdout.flush()  # here, so that a closed pipe is reported by main(), not at interpreter exit
    return 0


def _tracks(args: argparse.Namespace) -> int:
    from dirfa.motion.tracks import TRACK_SPECS

    listing = {
        name: {
            "unit": s.unit,
            "min": s.low,
            "max": s.high,
            "neutral": s.neutral,
            "description": s.description,
        }
        for name, s in TRACK_SPECS.items()
    }
    json.dump(listing, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """Turn SIGTERM (kill, timeout) and SIGHUP (a closed terminal) into an exception while dirfa runs, so
    half-written outputs are deleted as on Ctrl-C; Python's default would end the process on the spot.

    A signal someone chose to ignore (nohup) stays ignored; off the main thread signals are left alone."""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)  # Windows has no SIGHUP
        if number is None:
            continue
        try:
            if signal.getsignal(number) is signal.SIG_DFL:
                previous[number] = signal.signal(number, terminate)
        except ValueError:  # not the main thread (embedded use)
            break
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="dirfa: %(levelname)s: %(message)s" if args.debug else "dirfa: warning: %(message)s",
        stream=sys.stderr,
    )
    handlers = {"animate": _animate, "render": _render, "visemes": _visemes, "tracks": _tracks}
    try:
        with _terminate_as_exception():
            return handlers[args.command](args)
    except BrokenPipeError:
        # The reader of stdout went away (`dirfa tracks | head`): not an error worth a message. Point stdout
        # at /dev/null so the interpreter's final flush does not fail again (Python docs, "Note on SIGPIPE").
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except DirfaError as exc:
        if args.debug:
            raise
        print(f"dirfa: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dirfa: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("dirfa: error: out of memory — try a smaller picture or --size", file=sys.stderr)
        return 1
    except Exception as exc:  # an internal fault: one line, the traceback with --debug
        if args.debug:
            raise
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRORS:
            print(
                f"dirfa: error: cannot write the output: {exc.strerror} — free space or choose another path",
                file=sys.stderr,
            )
            return 2
        print(
            f"dirfa: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1
