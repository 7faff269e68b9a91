"""The `dirfa` command: argument parsing, progress and exit codes over the Python API — nothing else.

Subcommands: animate (photo + speech -> MP4), render (photo + speech + edited animation -> MP4), visemes.
"""

from __future__ import annotations

import argparse
import atexit
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
    "say": """\
        examples:
          dirfa say face.jpg "Hello, how are you feeling today?" -o hello.mp4
          dirfa say face.jpg "[happy] So good to see you! [sad:0.6] I missed you. [pause 0.5] Shall we start?" -o hi.mp4
          dirfa say face.jpg "Guten Morgen, wie geht es dir?" --language de -o de.mp4
          dirfa say face.jpg --text-file reply.txt --voice kal --rate 1.2 -o reply.mp4 --save-audio reply.wav
          echo "Text from a chatbot." | dirfa say face.jpg - -o bot.mp4
          (tags: [EMOTION] or [EMOTION:0..1], [pause SECONDS]; write \\[ and \\] for literal brackets)
        """,
    "prepare": """\
        examples:
          dirfa prepare face.jpg -o face.avatar              # once: face, rig, background, colours
          dirfa animate face.avatar speech.wav -o talk.mp4   # starts at once
        """,
    "serve": """\
        examples:
          dirfa serve                                   # then open http://127.0.0.1:8000/
          dirfa serve --host 0.0.0.0 --token "$(openssl rand -hex 16)" --data-dir /srv/dirfa
          curl -F photo=@face.jpg http://127.0.0.1:8000/v1/avatars      # API docs at /docs
        """,
    "live": """\
        examples:
          dirfa live face.avatar                      # a window; type lines, Ctrl-D ends
          dirfa live face.avatar -o live.mp4 --crop   # record, with the sound (play it while it grows)
          echo "Hello there. [happy] Nice to see you." | dirfa live face.jpg -o hello.mp4
          (lines: text to say, /stop interrupts, /emotion happy:0.5, /listen on|off)
        Without -o the frames go to a window (where a display exists: DISPLAY or WAYLAND_DISPLAY is set); the
        window shows pictures only, without sound. With -o they go to a fragmented MP4 with the sound.
        Ctrl-D (end of input) or Ctrl-C ends the session; the MP4 is complete either way.
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
    _add_close_mouth(parser)
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="processes for speech analysis and rendering (default: one per core; 1 = this process only)",
    )
    parser.add_argument(
        "--face", type=_positive_int, default=0, metavar="K", help="which face: 0 = the largest"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="prepare the photo again instead of reusing it from the cache (see `dirfa prepare`)",
    )


def _add_close_mouth(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--close-mouth",
        action="store_true",
        help="rest with the lips shut when the photo's mouth is open or smiling (default: keep it as it is)",
    )


def _add_take(parser: argparse.ArgumentParser, *, seed_from: str) -> None:
    """--fps, --seed and --samples: which takes to make, and at what frame rate."""
    parser.add_argument("--fps", type=_positive_int, default=25, help="frames per second (default 25)")
    parser.add_argument(
        "--seed",
        type=_positive_int,
        default=None,
        help=f"take number: same seed, same video (default: derived from {seed_from})",
    )
    parser.add_argument(
        "--samples", type=_positive_int, default=1, metavar="K", help="write K takes OUT_1 ... OUT_K"
    )


def _add_motion(parser: argparse.ArgumentParser, *, emotion_help: str, expressions_help: str) -> None:
    motion = parser.add_argument_group("motion and expression")
    motion.add_argument(
        "--head-motion", type=_number, default=1.0, metavar="SCALE", help="0 still, 1 natural, 2 lively"
    )
    motion.add_argument("--still", action="store_true", help="no head motion (same as --head-motion 0)")
    motion.add_argument(
        "--blink-rate", type=_number, metavar="PER_MIN", help="blinks per minute (default natural)"
    )
    motion.add_argument("--no-gaze", action="store_true", help="eyes fixed on the camera")
    motion.add_argument("--emotion", metavar="NAME[:INTENSITY]", help=emotion_help)
    motion.add_argument("--expressions", metavar="TIMELINE", help=expressions_help)


def _add_outputs(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The side files of a take: the animation, the mouth cues."""
    out = parser.add_argument_group("extra outputs")
    out.add_argument("--save-animation", type=Path, metavar="FILE", help="write every track as editable JSON")
    out.add_argument(
        "--export-visemes", type=Path, metavar="FILE", help="write timed mouth cues (.json or .tsv)"
    )
    _add_viseme_set(out)
    return out


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


class _VersionAction(argparse.Action):
    """--version, the version looked up only when asked: importlib.metadata costs ~20 ms at every start."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show the version",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"dirfa {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dirfa",
        description="Turn one photo of a face and a speech clip into a talking-head video.",
        epilog="Run `dirfa COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action=_VersionAction)
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
    _add_take(animate, seed_from="the audio, text and photo, so each clip gets its own")
    _add_framing(animate)
    _add_speech(animate)
    _add_motion(
        animate,
        emotion_help="neutral, happy, sad, angry, surprised (e.g. happy:0.7), or auto",
        expressions_help="emotions over time: a JSON file or '0:neutral,2.5:happy:0.8,4:sad'",
    )
    _add_outputs(animate)
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
    _add_viseme_set(cues)
    _add_common(cues)

    prepare = sub(
        "prepare", "photo -> a prepared .avatar file (animate, render, say and live load it at once)"
    )
    prepare.add_argument("photo", type=Path, help="photo of a face (JPEG, PNG, WebP, BMP)")
    prepare.add_argument("-o", "--output", type=Path, required=True, help="the .avatar file to write")
    prepare.add_argument(
        "--face", type=_positive_int, default=0, metavar="K", help="which face: 0 = the largest"
    )
    prepare.add_argument(
        "--size",
        type=_positive_int,
        action="append",
        metavar="W",
        help="also prepare for videos W px wide (repeatable; default 512)",
    )
    _add_common(prepare)

    _add_serve_parser(sub("serve", "the HTTP API and web page: videos and live avatars in the browser"))
    _add_batch_parser(sub("batch", "a manifest of many videos -> rendered on this machine or a Ray cluster"))

    _add_say_parser(sub("say", "photo + typed text -> a talking-head MP4 with a synthesised voice"))
    voices = sub("voices", "list the installed voices: name, language, sex (--json for JSON on stdout)")
    voices.add_argument("--json", action="store_true", help="JSON on stdout instead of a table")
    _add_common(voices)

    live = sub("live", "a live avatar: lines typed on stdin are spoken; frames go to a window or an MP4")
    live.add_argument("avatar", type=Path, help="a .avatar file (dirfa prepare) or a photo of a face")
    live.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the MP4 to write (fragmented, playable while it grows); without it, a window (Esc or q closes it)",
    )
    live.add_argument(
        "--size", type=_positive_int, default=512, metavar="W", help="output width (default 512)"
    )
    live.add_argument(
        "--crop", action="store_true", help="a face-centred square instead of the whole picture"
    )
    _add_close_mouth(live)
    live.add_argument("--fps", type=_positive_int, default=25, help="frames per second (default 25)")
    live.add_argument("--voice", help="the voice to speak with (see `dirfa voices`)")
    live.add_argument("--emotion", metavar="NAME[:INTENSITY]", help="the starting emotion, e.g. happy:0.6")
    live.add_argument(
        "--seed",
        type=_positive_int,
        help="the take of the motion (default: derived from the photo, so each avatar gets its own)",
    )
    live.add_argument(
        "--face", type=_positive_int, default=0, metavar="K", help="which face: 0 = the largest"
    )
    live.add_argument("--no-cache", action="store_true", help="prepare the photo again (see `dirfa prepare`)")
    live.add_argument(
        "--idle-s",
        type=_number,
        default=1.0,
        metavar="S",
        help="idle time recorded after the last line (default 1)",
    )
    _add_common(live)

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


def _take_outputs(args: argparse.Namespace) -> tuple[range, dict[str, Path | None]]:
    """The takes to make (1..--samples) and every file they write, by what the user calls it."""
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
    return takes, outputs


def _write_take(args: argparse.Namespace, take: int, portrait, tracks, audio, started=None) -> None:  # noqa: ANN001
    """Render one take to its MP4, then its --save-animation file (after the video, so a failed render
    leaves nothing behind). started: render processes started ahead (_render_workers), or None."""
    import dirfa

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
        close_mouth=args.close_mouth,
        started=started,
    )
    log.info("wrote %s", output)
    if args.save_animation is not None:
        tracks.save(_take_path(args.save_animation, take, args.samples))


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
    with _render_workers(args) as started:
        return _animate_started(args, started)


def _animate_started(args: argparse.Namespace, started) -> int:  # noqa: ANN001 - a render.stream.RenderWorkers
    """`dirfa animate` once its render processes start (they are ready when its frames are)."""
    import dirfa
    from dirfa.api import animate_seed, output_size

    takes, outputs = _take_outputs(args)
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
    portrait = _open_portrait(args)
    output_size(portrait, size=args.size, crop=args.crop)  # a bad --size fails now, not after the analysis
    _prepare_frames(args, portrait, started)
    audio = dirfa.load_audio(args.audio)
    speech = dirfa.analyze_speech(
        audio, fps=args.fps, text=text, language=args.language, workers=_workers(args)
    )
    first_seed = animate_seed(audio, text, portrait) if args.seed is None else args.seed
    # Side files are written after the video of their take, so a failed render leaves nothing behind.
    for take in takes:
        tracks = dirfa.animate(
            audio,
            fps=args.fps,
            seed=first_seed + take - 1,
            head_motion=head_motion,
            blink_rate_per_min=args.blink_rate,
            gaze=not args.no_gaze,
            expressions=expressions,
            speech=speech,
            portrait=portrait,
        )
        _write_take(args, take, portrait, tracks, audio, started=started)
    if args.export_visemes is not None:
        _export_visemes(args.export_visemes, args.viseme_set, speech, audio_name=str(args.audio))
    return 0


def _render(args: argparse.Namespace) -> int:
    with _render_workers(args) as started:
        return _render_started(args, started)


def _render_started(args: argparse.Namespace, started) -> int:  # noqa: ANN001 - a render.stream.RenderWorkers
    """`dirfa render` once its render processes start."""
    import dirfa
    from dirfa.api import frame_count, output_size

    _check_outputs(
        {"output": args.output},
        {"the portrait": args.portrait, "the audio": args.audio, "the animation": args.animation},
    )
    tracks = dirfa.Tracks.load(args.animation)
    if tracks.n_frames == 0:
        raise InputError(f"animation {args.animation} has no frames")
    portrait = _open_portrait(args)
    output_size(portrait, size=args.size, crop=args.crop)
    _prepare_frames(args, portrait, started)
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
        close_mouth=args.close_mouth,
        started=started,
    )
    return 0


def _open_portrait(args: argparse.Namespace):
    """A prepared .avatar file, or the photo: prepared once and then reused from the user cache folder
    (by content), unless --no-cache."""
    import dirfa

    widths = (args.size,) if args.size else ((512,) if args.crop else ())
    return dirfa.open_avatar(args.portrait, face_index=args.face, cache=not args.no_cache, widths_px=widths)


def _prepare(args: argparse.Namespace) -> int:
    import dirfa

    if args.output.suffix.lower() != ".avatar":
        raise InputError(
            f"output {args.output} should end in .avatar (e.g. {args.output.with_suffix('.avatar')})"
        )
    _check_outputs({"output": args.output}, {"the photo": args.photo})
    avatar = dirfa.prepare(args.photo, face_index=args.face, widths_px=tuple(args.size or (512,)))
    avatar.save(args.output)
    log.info("wrote %s", args.output)
    return 0


def _live(args: argparse.Namespace) -> int:
    import threading

    import dirfa
    from dirfa.live import Session
    from dirfa.live.record import LiveRecorder
    from dirfa.live.window import LiveWindow, choose_output

    _check_outputs({"output": args.output}, {"the avatar": args.avatar})
    if not 0 <= args.idle_s <= 3600:
        raise InputError("--idle-s must be 0 to 3600 seconds")
    # A window is tried first: no display is found out before the avatar is loaded.
    window = LiveWindow() if choose_output(args.output, os.environ) == "window" else None
    avatar = dirfa.open_avatar(
        args.avatar, face_index=args.face, cache=not args.no_cache, widths_px=(args.size,)
    )
    session = Session(
        avatar,
        size=args.size,
        crop=args.crop,
        fps=args.fps,
        voice=args.voice,
        emotion=args.emotion,
        seed=args.seed,
        close_mouth=args.close_mouth,
    )
    stdin_done = threading.Event()

    def read_lines() -> None:
        # Each line is spoken in turn; "/stop" interrupts, "/emotion happy:0.5" and "/listen on|off" steer.
        try:
            for line in sys.stdin:
                line = line.strip()
                try:
                    if line == "/stop":
                        session.interrupt()
                    elif line.startswith("/emotion"):
                        session.set_emotion(line.partition(" ")[2].strip() or None)
                    elif line.startswith("/listen"):
                        session.listen(line.partition(" ")[2].strip() != "off")
                    elif line:
                        session.say(line)
                except DirfaError as exc:
                    print(f"dirfa: {exc}", file=sys.stderr)
        finally:
            stdin_done.set()

    with session:
        sink = window
        if sink is None:
            size = {"width": session.width, "height": session.height}
            sink = LiveRecorder(args.output, **size, fps=args.fps, audio_rate_hz=session.audio_rate_hz)
        if not args.quiet and sys.stdin.isatty():
            print(
                "dirfa: type a line and press Enter to hear it (/stop, /emotion happy:0.5, /listen on|off); "
                "Ctrl-D or Ctrl-C ends",
                file=sys.stderr,
            )
        threading.Thread(target=read_lines, name="dirfa-live-stdin", daemon=True).start()
        with sink:
            n_frames = _play_live(session, sink, stdin_done, idle_frames=args.idle_s * args.fps)
    if not args.quiet and window is None:
        print(f"dirfa: wrote {args.output} ({n_frames / args.fps:.1f} s)", file=sys.stderr)
    return 0


def _play_live(session, sink, stdin_done, *, idle_frames: float) -> int:
    """Frames to the window or recorder until the input has ended and `idle_frames` idle frames followed,
    the window is closed, or Ctrl-C (which ends the stream like the end of input: the file stays whole)."""
    from dirfa.live.window import LiveWindow

    idle, n = 0, 0
    try:
        for frame in session.frames():
            if isinstance(sink, LiveWindow):
                if not sink.show(frame.image):
                    break
            else:
                sink.add(frame.image, frame.audio)
            n += 1
            done = stdin_done.is_set() and not session.speaking
            idle = idle + 1 if done else 0
            if idle > idle_frames:
                break
    except KeyboardInterrupt:
        print(file=sys.stderr)  # past the terminal's ^C
    return n


def _workers(args: argparse.Namespace) -> int:
    # One process per core by default: long clips decode words and render frames on all of them (short
    # ones stay in this process, where a second would not pay for its start-up).
    from dirfa.render.stream import default_workers

    workers = getattr(args, "workers", None)
    return default_workers() if workers is None else max(1, workers)


def _render_workers(args: argparse.Namespace, *, at_prepare: bool = False):  # noqa: ANN202 - a render.stream.RenderWorkers
    """Render processes started now, before the speech is analysed: they take ~1 s to start, which would not
    pay inside a short clip's render, and are ready by the time its frames are (none with --workers 1).
    at_prepare: started by _prepare_frames instead, as copies of this process with its renderer built."""
    from dirfa.render.stream import RenderWorkers

    try:
        return RenderWorkers(_workers(args) - 1, at_prepare=at_prepare)
    except OSError as exc:  # no processes left: the frames are rendered here
        log.warning("cannot start render workers (%s); rendering in this process", exc)
        return RenderWorkers(0)


def _prepare_frames(args: argparse.Namespace, portrait, started) -> None:  # noqa: ANN001 - Avatar, RenderWorkers
    """The render processes get the picture now and set up their renderers (and this process its own) while
    the speech is synthesised and analysed, so that all render at full speed from the first frame."""
    from dirfa.api import prepare_frames

    prepare_frames(portrait, started, size=args.size, crop=args.crop, close_mouth=args.close_mouth)


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
    if args.output is not None:
        _export_visemes(args.output, args.viseme_set, speech, audio_name=str(args.audio))
    elif args.viseme_set != "dirfa":
        json.dump(_viseme_set_data(args.viseme_set, speech, str(args.audio)), sys.stdout, indent=1)
    else:
        cues = dirfa.viseme_cues(speech)
        json.dump(
            {"mouthCues": [{"start": a, "end": b, "value": v} for a, b, v in cues]}, sys.stdout, indent=1
        )
        sys.stdout.write("\n")
        sys.stdout.flush()  # here, so that a closed pipe is reported by main(), not at interpreter exit
    return 0


def _add_viseme_set(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--viseme-set",
        choices=("dirfa", "rhubarb", "ovr", "azure"),
        default="dirfa",
        help="mouth cue names: dirfa's own; rhubarb (shapes A-H, X in Rhubarb Lip Sync's JSON/TSV); ovr (the "
        "15 Oculus/Meta visemes as weights per frame); azure (Azure viseme ids 0-21 with offsets)",
    )


def _viseme_set_data(viseme_set: str, speech, audio_name: str) -> dict:  # noqa: ANN001 - api.Speech
    from dirfa.speech import visemes

    return visemes.viseme_set_data(
        viseme_set,
        speech.mouth,
        fps=speech.fps,
        duration_s=speech.n_frames / speech.fps,
        timeline=speech.timeline,
        sound_file=audio_name,
    )


def _export_visemes(path: Path, viseme_set: str, speech, *, audio_name: str) -> None:  # noqa: ANN001
    from dirfa.speech import visemes

    visemes.write_viseme_set(path, viseme_set, _viseme_set_data(viseme_set, speech, audio_name))


def _add_say_parser(say: argparse.ArgumentParser) -> None:
    say.add_argument("portrait", type=Path, help="photo of a face (JPEG, PNG, WebP, BMP) or a .avatar file")
    say.add_argument(
        "text",
        nargs="?",
        help="what to say, with optional [happy] / [sad:0.6] / [pause 0.5] tags; '-' reads standard input",
    )
    say.add_argument("-o", "--output", type=Path, required=True, help="the MP4 to write")
    say.add_argument("--text-file", type=Path, metavar="FILE", help="read the text from a UTF-8 file")
    voice = say.add_argument_group("voice")
    voice.add_argument(
        "--voice", metavar="NAME", help="a voice from `dirfa voices` (default: slt, US English)"
    )
    voice.add_argument(
        "--language", metavar="CODE", help="speak this language (de, es, fr, zh, ...): the best voice for it"
    )
    voice.add_argument("--rate", type=_number, default=1.0, help="speed, 0.5 to 2 (default 1: natural)")
    voice.add_argument("--pitch", type=_number, default=1.0, help="pitch, 0.5 to 2 (default 1: natural)")
    _add_take(say, seed_from="the text and photo, so the same text on the same face, same video")
    _add_framing(say)
    _add_motion(
        say,
        emotion_help="one emotion for all (replaces the text's tags), or auto",
        expressions_help="emotions over time (replaces the text's tags)",
    )
    out = _add_outputs(say)
    out.add_argument("--save-audio", type=Path, metavar="FILE.wav", help="also write the voice alone (WAV)")
    _add_common(say)


def _say_text(args: argparse.Namespace) -> str:
    """The text to say, from the argument, standard input ('-') or --text-file; InputError when missing,
    given twice, unreadable or not UTF-8."""
    from dirfa.voice import MAX_TEXT_CHARS

    if args.text is not None and args.text_file is not None:
        raise InputError("give the text either as an argument or with --text-file, not both")
    if args.text is None and args.text_file is None:
        raise InputError('give the text to say, e.g. dirfa say face.jpg "Hello there" -o out.mp4')
    if args.text_file is None and args.text != "-":
        return args.text
    # A UTF-8 character is at most 4 bytes: reading one byte past 4 x the limit tells "too long" apart.
    limit = 4 * MAX_TEXT_CHARS + 1
    if args.text_file is None:
        where = "standard input"
        if sys.stdin is None:  # the process was started with its standard input closed
            raise InputError('standard input is closed — pipe the text in, e.g. echo "Hello" | dirfa say ...')
        try:
            data = sys.stdin.buffer.read(limit)
        except OSError as exc:
            raise InputError(f"cannot read {where} ({exc.strerror})") from None
    else:
        where = f"text file {args.text_file}"
        try:
            with open(args.text_file, "rb") as handle:
                data = handle.read(limit)
        except FileNotFoundError:
            raise InputError(f"{where} does not exist — check the path") from None
        except IsADirectoryError:
            raise InputError(f"{where} is a folder — give a UTF-8 text file") from None
        except OSError as exc:
            raise InputError(f"cannot read {where} ({exc.strerror})") from None
    try:  # a binary file is "not UTF-8" even when it is also too long (a cut-off last character is fine)
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(data) < limit or exc.start < len(data) - 4:
            raise InputError(f"{where} is not UTF-8 text (byte {exc.start + 1}) — save it as UTF-8") from None
        text = ""
    if len(data) >= limit:
        raise InputError(f"{where} is longer than {MAX_TEXT_CHARS} characters — split it and say each part")
    return text


def _say(args: argparse.Namespace) -> int:
    takes, outputs = _take_outputs(args)
    outputs["--save-audio"] = args.save_audio
    inputs = {
        "the portrait": args.portrait,
        "the text file": args.text_file,
        "the emotion timeline": Path(args.expressions) if args.expressions else None,
    }
    if args.save_audio is not None and args.save_audio.suffix.lower() != ".wav":
        raise InputError(f"--save-audio {args.save_audio} — the voice is written as WAV: name the file .wav")
    _check_outputs(outputs, inputs)
    from dirfa.voice import festival

    festival.start_ahead(args.voice, args.language)  # the voice loads (~0.8 s) while the text is read
    # Imported after festival starts: the synthesis pulls in PyAV and the speech modules (~0.15 s).
    from dirfa.voice import start_synthesis

    text = _say_text(args)
    # The voice speaks while the pipeline loads (~1 s of imports) and the photo is read.
    speaking = start_synthesis(
        text, voice=args.voice, language=args.language, rate=args.rate, pitch=args.pitch
    )
    # The render processes are copies of this one made once the avatar is read and its renderer built
    # (RenderWorkers at_prepare): no start-up of their own, and the renderer's imports are not paid before the
    # voice has its text.
    with _render_workers(args, at_prepare=True) as started:
        return _say_started(args, takes, text, speaking, started)


def _say_started(args: argparse.Namespace, takes: range, text: str, speaking, started) -> int:  # noqa: ANN001
    """`dirfa say` once its voice speaks (speaking: a voice.SynthesisJob) and its render processes start."""
    import dirfa
    from dirfa.api import output_size, say_seed

    # Text, voice, language, rate, pitch and tags are checked now, before the photo is prepared.
    speaking.checked()
    expressions = _expressions(args)
    head_motion = 0.0 if args.still else args.head_motion
    portrait = _open_portrait(args)
    output_size(portrait, size=args.size, crop=args.crop)
    _prepare_frames(args, portrait, started)
    seed = say_seed(text, portrait) if args.seed is None else args.seed
    synthesis = speaking.result()
    _stop_voice()
    said = dirfa.say(
        portrait,
        text,
        voice=args.voice,
        language=args.language,
        rate=args.rate,
        pitch=args.pitch,
        fps=args.fps,
        seed=seed,
        head_motion=head_motion,
        blink_rate_per_min=args.blink_rate,
        gaze=not args.no_gaze,
        expressions=expressions,
        synthesis=synthesis,
    )
    log.info(
        "voice %s (%s), %.2f s of speech",
        said.synthesis.voice,
        said.synthesis.language,
        said.audio.duration_s,
    )
    for take in takes:
        tracks = said.tracks
        if take > 1:
            tracks = dirfa.animate(
                said.audio,
                fps=args.fps,
                seed=seed + take - 1,
                head_motion=head_motion,
                blink_rate_per_min=args.blink_rate,
                gaze=not args.no_gaze,
                expressions=expressions if expressions is not None else said.synthesis.expressions,
                speech=said.speech,
                portrait=portrait,
            )
        _write_take(args, take, portrait, tracks, said.audio, started=started)
    if args.save_audio is not None:
        from dirfa.media.audio import write_wav

        write_wav(args.save_audio, *said.audio.playable())
    if args.export_visemes is not None:
        name = str(args.save_audio) if args.save_audio is not None else ""
        _export_visemes(args.export_visemes, args.viseme_set, said.speech, audio_name=name)
    return 0


def _stop_voice() -> None:
    """Stop the voice's festival process (the speech is made) in a background thread: the kill and the end of
    a process holding its ~85 MB heap and voice take ~20-40 ms, on the core the render process leaves idle
    while this one analyses the speech, instead of in the exit handlers after the last frame."""
    import threading

    from dirfa.voice import festival

    threading.Thread(target=festival.close_all, name="dirfa-voice-stop", daemon=True).start()


def _voices(args: argparse.Namespace) -> int:
    from dirfa.voice import DEFAULT_VOICE, list_voices

    voices = list_voices()
    if args.json:
        json.dump([v.__dict__ for v in voices], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        width = max((len(v.name) for v in voices), default=4)
        language_width = max((len(v.language) for v in voices), default=8)  # e.g. cmn-latn-pinyin
        for v in voices:
            mark = " (default)" if v.name == DEFAULT_VOICE else ""
            sys.stdout.write(
                f"{v.name:<{width}}  {v.language:<{language_width}}  {v.sex:<8} {v.description}{mark}\n"
            )
    sys.stdout.flush()
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


def _add_serve_parser(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this machine only)"
    )
    serve.add_argument("--port", type=_positive_int, default=8000, help="TCP port (default 8000)")
    serve.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where avatars, jobs and videos are kept (default: "
        "the user data folder, ~/.local/share/dirfa/serve)",
    )
    serve.add_argument(
        "--token",
        metavar="SECRET",
        help="require 'Authorization: Bearer SECRET' on every API call "
        "(or set DIRFA_TOKEN); needed for a --host other than localhost",
    )
    serve.add_argument(
        "--keep-days", type=_number, default=7.0, metavar="N", help="delete videos after N days"
    )
    serve.add_argument(
        "--workers", type=_positive_int, default=1, metavar="N", help="videos rendered at once"
    )
    limits = serve.add_argument_group("limits")
    limits.add_argument("--max-photo-mb", type=_number, default=20.0, metavar="MB", help="photo upload cap")
    limits.add_argument("--max-audio-mb", type=_number, default=50.0, metavar="MB", help="audio upload cap")
    limits.add_argument(
        "--max-audio-minutes", type=_number, default=10.0, metavar="MIN", help="longest speech accepted"
    )
    limits.add_argument(
        "--max-queue", type=_positive_int, default=16, metavar="N", help="jobs waiting or running (then 429)"
    )
    limits.add_argument(
        "--job-timeout", type=_number, default=900.0, metavar="S", help="seconds one video may take"
    )
    limits.add_argument(
        "--max-live", type=_positive_int, default=1, metavar="N", help="live sessions at once"
    )
    _add_common(serve)


def _serve(args: argparse.Namespace) -> int:
    from dirfa.serve.config import MB, ServeConfig, check_binding

    token = args.token or os.environ.get("DIRFA_TOKEN") or None
    check_binding(args.host, token)
    for name in ("max_photo_mb", "max_audio_mb", "max_audio_minutes", "job_timeout", "keep_days"):
        if not getattr(args, name) > 0:
            raise InputError(f"--{name.replace('_', '-')} must be more than 0")
    try:
        import uvicorn

        from dirfa.serve.app import create_app
    except ImportError as exc:
        raise InputError(f"dirfa serve needs {exc.name} — pip install 'dirfa[serve]'") from None
    data_dir = (
        args.data_dir or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share") / "dirfa/serve"
    )
    config = ServeConfig(
        data_dir=data_dir,
        token=token,
        keep_days=args.keep_days,
        max_photo_bytes=int(args.max_photo_mb * MB),
        max_audio_bytes=int(args.max_audio_mb * MB),
        max_audio_s=args.max_audio_minutes * 60,
        max_queue=max(1, args.max_queue),
        job_timeout_s=args.job_timeout,
        workers=max(1, args.workers),
        max_live=args.max_live,
    )
    app = create_app(config)
    if not args.quiet:
        print(
            f"dirfa: serving http://{args.host}:{args.port}/ (data in {data_dir}) — Ctrl-C stops",
            file=sys.stderr,
        )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.debug else "warning")
    return 0


BATCH_FAILED_EXIT = 3  # `dirfa batch`: the batch ran, some rows failed (their errors are in results.jsonl)
BATCH_SHOWN = 20  # failed rows and manifest problems listed on stderr; the rest are counted


def _add_batch_parser(batch: argparse.ArgumentParser) -> None:
    batch.epilog = textwrap.dedent(
        """\
        examples:
          dirfa batch jobs.csv --out videos/ --dry-run    # check every row, render nothing
          dirfa batch jobs.csv --out videos/              # all cores here; run again to finish an interrupted batch
          dirfa batch jobs.jsonl --out /shared/videos --ray-address auto    # on a Ray cluster

        jobs.csv (relative paths from the manifest's folder; any animate/say option can be a column:
        emotion, expressions, seed, fps, size, crop, face, language, head_motion, blink_rate, gaze,
        transcript for audio rows, voice, rate, pitch for text rows):
          portrait,audio,text,output,emotion,size
          presenter.jpg,lesson1.wav,,lesson1.mp4,happy:0.6,512
          presenter.jpg,,Welcome back!,welcome.mp4,,512

        exit status: 0 every row done, 2 a bad manifest (nothing rendered), 3 some rows failed
        (see DIR/results.jsonl), 1 an internal fault
        """
    )
    batch.add_argument("manifest", type=Path, help="CSV or JSON Lines, one row per video")
    batch.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder for the videos and results.jsonl"
    )
    batch.add_argument("--dry-run", action="store_true", help="check every row and report all problems")
    batch.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="a Ray cluster: 'auto' or ray://HOST:10001 (default: start Ray on this machine, all cores)",
    )
    batch.add_argument(
        "--retries",
        type=_positive_int,
        default=2,
        metavar="N",
        help="extra tries for a row whose worker process dies (default 2)",
    )
    _add_common(batch)


def _batch(args: argparse.Namespace) -> int:
    from dirfa.batch import ManifestError, batch, plan_summary

    try:
        if args.dry_run:
            plan = plan_summary(args.manifest, args.out)
            print(
                f"dirfa: {args.manifest}: {plan['rows']} rows OK — {plan['to_make']} to make, "
                f"{plan['complete']} already complete in {args.out}",
                file=sys.stderr,
            )
            return 0
        results = batch(
            args.manifest,
            args.out,
            ray_address=args.ray_address,
            retries=args.retries,
            progress=None if args.quiet else _rows_bar,
        )
    except ManifestError as exc:
        for problem in exc.problems[:BATCH_SHOWN]:
            print(f"dirfa: {problem}", file=sys.stderr)
        if len(exc.problems) > BATCH_SHOWN:
            print(f"dirfa: ... and {len(exc.problems) - BATCH_SHOWN} more", file=sys.stderr)
        count = f"{len(exc.problems)} problems" if len(exc.problems) > 1 else "a problem"
        raise InputError(f"{count} in {args.manifest}, nothing rendered — fix them and run again") from None
    failed = [r for r in results if r.state == "failed"]
    for result in failed[:BATCH_SHOWN]:
        print(f"dirfa: row {result.row} ({result.output.name}) failed: {result.error}", file=sys.stderr)
    if len(failed) > BATCH_SHOWN:
        print(f"dirfa: ... and {len(failed) - BATCH_SHOWN} more failed rows", file=sys.stderr)
    if not args.quiet or failed:
        counts = {state: sum(r.state == state for r in results) for state in ("done", "skipped", "failed")}
        print(
            f"dirfa: {counts['done']} done, {counts['skipped']} already complete, {counts['failed']} failed — "
            f"results in {args.out / 'results.jsonl'}",
            file=sys.stderr,
        )
    return BATCH_FAILED_EXIT if failed else 0


def _rows_bar(results: Iterator, total: int) -> Iterator:
    """A progress bar over finished rows: ETA, rows per second, and audio minutes made per wall minute."""
    import time

    from tqdm import tqdm

    start = time.monotonic()
    audio_s, failed = 0.0, 0
    with tqdm(total=total, desc="batch", unit="row", file=sys.stderr, dynamic_ncols=True) as bar:
        for result in results:
            audio_s += result.audio_s or 0.0
            failed += result.state == "failed"
            wall_s = max(time.monotonic() - start, 1e-6)
            bar.set_postfix_str(f"{audio_s / wall_s:.2f} audio-min/min, {failed} failed", refresh=False)
            bar.update(1)
            yield result


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
    """Run `dirfa ARGS` (argv; None: the command line, sys.argv), returning its exit status; for the command
    line the process then ends with it as soon as its exit handlers have run (see _FastExit)."""
    code = _main(argv)
    if argv is None:
        _FAST_EXIT.status = code
    return code


class _FastExit:
    """Ends the `dirfa` command's process once Python's exit handlers have run: the non-daemon threads are
    waited for and the exit handlers run (festival's, multiprocessing's, any caller's), as at any exit, and
    the standard streams are flushed, but the interpreter does not tear down every module and object it holds,
    which the kernel frees at once anyway (~30-60 ms after a reply on the 2-core machine, after its video is
    written). A render worker ends the same way. Does nothing unless main() ran for the command line.

    Registered when this module is imported, before the command imports what registers its own handlers:
    they run last registered first, so this one runs after them. One registered before this module was
    imported would not run; for the command that is only logging's (cli imports logging), run here."""

    def __init__(self) -> None:
        self.status: int | None = None

    def __call__(self) -> None:
        if self.status is None:
            return
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            # A reader gone away (BrokenPipeError): nothing left to tell it.
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(self.status)


_FAST_EXIT = _FastExit()
atexit.register(_FAST_EXIT)


def _main(argv: Sequence[str] | None) -> int:
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
    handlers = {
        "animate": _animate,
        "render": _render,
        "visemes": _visemes,
        "tracks": _tracks,
        "prepare": _prepare,
        "live": _live,
        "say": _say,
        "voices": _voices,
        "serve": _serve,
        "batch": _batch,
    }
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
