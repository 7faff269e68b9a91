"""Batch manifests: a CSV or JSON Lines file (or a list of dicts) -> validated rows, every problem at once.

Sits around the pipeline: batch.run renders these rows on Ray; nothing here imports Ray or renders.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import posixpath
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dirfa.errors import InputError, OutputError

RESULTS_NAME = "results.jsonl"
AVATAR_SUFFIX = ".avatar"
MAX_ROWS = (
    1_000_000  # one manifest; past this, split it (the results file and the driver's memory grow with it)
)
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
MAX_SHOWN = 50  # problems listed one per line; the rest are counted

# Columns a row may have: the inputs, the output name, and every option of `animate` and `say`.
INPUT_COLUMNS = ("portrait", "audio", "text", "output")
AUDIO_ONLY = ("transcript",)  # the words of the recording (English), for alignment
TEXT_ONLY = ("voice", "rate", "pitch")  # speech synthesis (dirfa.say)
SHARED_OPTIONS = (
    "emotion",
    "expressions",
    "seed",
    "fps",
    "size",
    "crop",
    "face",
    "language",
    "head_motion",
    "blink_rate",
    "gaze",
)
COLUMNS = INPUT_COLUMNS + AUDIO_ONLY + TEXT_ONLY + SHARED_OPTIONS


@dataclass(frozen=True)
class Row:
    """One clip to make, every path absolute and every option checked.

    number: the row's place in the manifest, from 1 (the header is not a row). line: its line in the file.
    audio xor text: a recording to animate, or words to speak (dirfa.say). output: the MP4's name inside the
    output folder (POSIX, relative). options: column -> plain value (int, float, bool or str) for the given
    columns only, so a row's key changes only when what it asks for does.
    """

    number: int
    line: int
    portrait: Path
    audio: Path | None
    text: str | None
    output: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def face(self) -> int:
        return int(self.options.get("face", 0))


class ManifestError(InputError):
    """The manifest has problems; `problems` lists every one ("row 3 (line 4): ..."), the message counts them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {problems[0]}{more} — fix the manifest and run again")


def read_manifest(path: str | Path) -> tuple[list[tuple[int, dict[str, Any] | None]], list[str]]:
    """The raw rows of a CSV or JSON Lines file as (line, {column: value} or None where a line could not be
    read), and the problems found reading it.

    JSON Lines when the name ends in .jsonl/.ndjson/.json or the first character is "{", else CSV (UTF-8,
    a header row). Raises InputError when the file itself cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"manifest {path} does not exist — check the path")
    if not path.is_file():
        raise InputError(f"manifest {path} is not a file — give a .csv or .jsonl file")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise InputError(f"manifest {path} is over {MAX_MANIFEST_BYTES >> 20} MB — split it into several")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"manifest {path} is not UTF-8 text — save it as UTF-8 CSV or JSON Lines") from None
    except OSError as exc:
        raise InputError(f"cannot read manifest {path}: {exc.strerror or exc}") from None
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{")
    return _read_jsonl(text) if jsonl else _read_csv(text)


def _read_jsonl(text: str) -> tuple[list[tuple[int, dict[str, Any] | None]], list[str]]:
    rows: list[tuple[int, dict[str, Any] | None]] = []
    problems: list[str] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {line}: not valid JSON ({exc.msg}) — one JSON object per line")
            value = None
        if value is not None and not isinstance(value, dict):
            problems.append(f'line {line}: not a JSON object — one {{"portrait": ..., ...}} per line')
            value = None
        rows.append((line, value))  # an unreadable line is still a row: the rows after it keep their numbers
    return rows, problems


def _read_csv(text: str) -> tuple[list[tuple[int, dict[str, Any] | None]], list[str]]:
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[tuple[int, dict[str, Any] | None]] = []
    problems: list[str] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            return rows, [
                "the manifest is empty — the first line names the columns: portrait,audio,output,..."
            ]
        names = [cell.strip() for cell in header]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            problems.append(f"line 1: column {', '.join(twice)} appears twice")
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names):
                problems.append(
                    f"line {line}: {len(cells)} cells but the header names {len(names)} columns — "
                    "quote cells that contain commas"
                )
                rows.append((line, None))
                continue
            rows.append((line, {name: cell for name, cell in zip(names, cells) if name}))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: cannot read the CSV ({exc})")
    return rows, problems


def validate(
    raw_rows: Iterable[tuple[int, Mapping[str, Any] | None]],
    *,
    base_dir: Path,
    out_dir: Path,
    features: Mapping[str, bool] | None = None,
) -> tuple[list[Row], list[str]]:
    """Check every raw row; return the good rows and every problem found ("row N (line L): ...").

    base_dir: relative paths in the rows resolve against it (the manifest's folder). out_dir: where the
    outputs go (checked for clashes). features: which optional APIs exist ("say", "avatar"; default: ask
    dirfa), so that a row needing a missing one is reported, not failed later."""
    if features is None:
        features = available_features()
    rows: list[Row] = []
    problems: list[str] = []
    names: list[tuple[int, str]] = []  # (row, output) of every row whose output name is usable
    unknown: dict[str, list[int]] = {}
    count = 0
    for count, (line, raw) in enumerate(raw_rows, start=1):
        if count > MAX_ROWS:
            problems.append(f"over {MAX_ROWS} rows — split the manifest into several")
            break
        if raw is None:  # unreadable, reported by the reader
            continue
        for column in raw:
            if column not in COLUMNS:
                unknown.setdefault(str(column), []).append(count)
        where = f"row {count} (line {line})" if line else f"row {count}"
        try:
            row = _row(count, line, raw, base_dir=base_dir, features=features)
            rows.append(row)
            names.append((count, row.output))
        except _RowProblems as bad:
            problems.extend(f"{where}: {p}" for p in bad.problems)
            if bad.output is not None:
                names.append((count, bad.output))
    for column, numbers in unknown.items():
        more = f", and {len(numbers) - 1} more" if len(numbers) > 1 else ""
        problems.append(
            f"unknown column '{column}' (row {numbers[0]}{more}) — the columns are: {', '.join(COLUMNS)}"
        )
    if count == 0 and not problems:
        problems.append("the manifest has no rows — add one line per clip")
    inputs = {str(r.portrait) for r in rows} | {str(r.audio) for r in rows if r.audio is not None}
    problems.extend(_check_outputs(names, inputs, out_dir))
    return rows, problems


class _RowProblems(Exception):
    def __init__(self, problems: list[str], output: str | None) -> None:
        self.problems = problems
        self.output = output  # the row's output name, if usable: duplicates are found among bad rows too


def available_features() -> dict[str, bool]:
    """Which optional parts of dirfa this installation has: "say" (text rows), "avatar" (prepared faces)."""
    import dirfa

    return {
        "say": hasattr(dirfa, "say"),
        "avatar": hasattr(dirfa, "prepare") and hasattr(dirfa, "load_avatar"),
    }


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _row(
    number: int, line: int, raw: Mapping[str, Any], *, base_dir: Path, features: Mapping[str, bool]
) -> Row:
    problems: list[str] = []
    values = {k: v for k, v in raw.items() if k in COLUMNS and _given(v)}

    portrait = None
    if "portrait" not in values:
        problems.append("no portrait — give a photo of a face or a .avatar file")
    else:
        portrait = _input_file(values["portrait"], base_dir, "portrait", problems)
        if portrait is not None and portrait.suffix.lower() == AVATAR_SUFFIX and not features.get("avatar"):
            problems.append(f"portrait {portrait.name} is a prepared avatar, which this dirfa cannot read")

    audio, text = None, None
    if "audio" in values and "text" in values:
        problems.append("both audio and text — give one: a recording to animate, or words to speak")
    elif "audio" in values:
        audio = _input_file(values["audio"], base_dir, "audio", problems)
        problems.extend(f"{c} applies to text rows only (speech synthesis)" for c in TEXT_ONLY if c in values)
    elif "text" in values:
        text = str(values["text"]).strip()
        if not features.get("say"):
            problems.append(
                "text rows need speech synthesis (dirfa.say), which this dirfa lacks — give audio"
            )
        problems.extend(f"{c} applies to audio rows only" for c in AUDIO_ONLY if c in values)
    else:
        problems.append("neither audio nor text — give a recording to animate, or words to speak")

    options = _options(values, base_dir, problems)
    if text is not None and features.get("say"):
        problems.extend(_check_speech(text, options))
    output = _output_name(values.get("output"), number, problems)
    if problems:
        raise _RowProblems(problems, output)
    assert portrait is not None and output is not None
    return Row(number, line, portrait, audio, text, output, options)


def _input_file(value: Any, base_dir: Path, role: str, problems: list[str]) -> Path | None:
    path = Path(os.path.expanduser(str(value).strip()))
    path = path if path.is_absolute() else base_dir / path
    path = Path(os.path.abspath(path))
    if not path.exists():
        problems.append(f"{role} {value} does not exist ({path})")
    elif not path.is_file():
        problems.append(f"{role} {value} is not a file")
    elif not os.access(path, os.R_OK):
        problems.append(f"{role} {value} is not readable")
    else:
        return path
    return None


_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError("use true or false")


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("use a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("use a whole number")
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError("use a whole number") from None


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("use a number")
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise ValueError("use a number") from None
    if not math.isfinite(number):
        raise ValueError("use a finite number")
    return number


# Ranges the pipeline accepts (api.MAX_FPS, compose.MAX_OUTPUT_SIDE_PX); checked here so --dry-run sees them.
_INT_RANGES = {"seed": (0, 2**63 - 1), "fps": (1, 120), "size": (16, 4096), "face": (0, 99)}


def _options(values: Mapping[str, Any], base_dir: Path, problems: list[str]) -> dict:
    from dirfa.motion.expression import load_timeline, parse_emotion, parse_timeline
    from dirfa.motion.generate import MotionOptions

    options: dict[str, Any] = {}
    for name in AUDIO_ONLY + TEXT_ONLY + SHARED_OPTIONS:
        if name not in values:
            continue
        value = values[name]
        try:
            if name in _INT_RANGES:
                low, high = _INT_RANGES[name]
                number = _as_int(value)
                if not low <= number <= high:
                    raise ValueError(f"use {low} to {high}" if high < 2**31 else f"use {low} or more")
                options[name] = number
            elif name in ("crop", "gaze"):
                options[name] = _as_bool(value)
            elif name in ("head_motion", "blink_rate"):
                options[name] = _as_float(value)
            elif name in ("rate", "pitch"):
                options[name] = _as_float(value)  # ranges: the voice module's (_check_speech)
            else:
                options[name] = str(value).strip()
        except ValueError as exc:
            problems.append(f"{name} '{value}' is not usable — {exc}")
    try:
        MotionOptions(
            seed=options.get("seed", 0),
            head_motion=options.get("head_motion", 1.0),
            blink_rate_per_min=options.get("blink_rate"),
        )
    except InputError as exc:
        problems.append(str(exc))
    if "emotion" in options and "expressions" in options:
        problems.append("both emotion and expressions — give one")
    elif "emotion" in options and options["emotion"].lower() != "auto":
        try:
            parse_emotion(options["emotion"])
        except InputError as exc:
            problems.append(str(exc))
    elif "expressions" in options:
        text = options["expressions"]
        candidate = Path(os.path.expanduser(text))
        candidate = candidate if candidate.is_absolute() else base_dir / candidate
        try:
            if text.lower().endswith(".json") or candidate.is_file():
                load_timeline(candidate)
                options["expressions"] = os.path.abspath(candidate)
            else:
                parse_timeline(text)
        except InputError as exc:
            problems.append(str(exc))
    return options


def _check_speech(text: str, options: Mapping[str, Any]) -> list[str]:
    """A text row's voice, language, rate and pitch, checked by the voice module itself (same messages as
    `dirfa say`)."""
    try:
        from dirfa.voice import synthesis
    except ImportError:
        return []
    problems = []
    if len(text) > synthesis.MAX_TEXT_CHARS:
        problems.append(
            f"text is {len(text)} characters — the limit is {synthesis.MAX_TEXT_CHARS}; split it into rows"
        )
    try:
        synthesis.find_voice(options.get("voice"), options.get("language"))
    except InputError as exc:
        problems.append(str(exc))
    for name, low, high in (
        ("rate", synthesis.MIN_RATE, synthesis.MAX_RATE),
        ("pitch", synthesis.MIN_PITCH, synthesis.MAX_PITCH),
    ):
        if name in options and not low <= options[name] <= high:
            problems.append(
                f"{name} {options[name]:g} is out of range — use {low:g} to {high:g} (1 is natural)"
            )
    return problems


def default_output(number: int) -> str:
    """The output name of a row without one: its number, e.g. 00042.mp4."""
    return f"{number:05d}.mp4"


def _output_name(value: Any, number: int, problems: list[str]) -> str | None:
    if not _given(value):
        return default_output(number)
    text = str(value).strip().replace("\\", "/")
    name = posixpath.normpath(text)
    parts = name.split("/")
    if text.startswith("/") or name.startswith("..") or any(p.startswith(".") for p in parts):
        problems.append(
            f"output '{value}' must be a plain name inside the output folder (no /, .., or leading .)"
        )
        return None
    if not name.lower().endswith(".mp4"):
        problems.append(f"output '{value}' must end in .mp4")
        return None
    return name


def _check_outputs(names: list[tuple[int, str]], inputs: set[str], out_dir: Path) -> list[str]:
    problems = []
    seen: dict[str, int] = {}
    for number, output in names:
        # Compared case-folded: on macOS and Windows disks, A.mp4 and a.mp4 are one file.
        key = output.casefold()
        if key in seen:
            problems.append(
                f"row {number}: output {output} is also row {seen[key]}'s — give each row its own name"
            )
        else:
            seen[key] = number
        if os.path.abspath(out_dir / output) in inputs:
            problems.append(f"row {number}: output {output} would overwrite an input — choose another name")
    return problems


def check_out_dir(out_dir: Path) -> str | None:
    """Why `out_dir` cannot hold the outputs (None if it can, or can be created). Creates nothing."""
    existing = next((p for p in [out_dir, *out_dir.parents] if p.exists()), None)
    if existing is None:
        return f"output folder {out_dir} has no existing parent"
    if not existing.is_dir():
        return f"{existing} is a file, not a folder — choose another output folder"
    if existing != out_dir and existing.resolve() != out_dir.resolve():
        what = f"{existing}, where {out_dir} would be created,"
    else:
        what = f"output folder {out_dir}"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{what} is not writable — choose another output folder"
    # A real try: permission bits do not stop root, but read-only mounts do.
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"cannot create files in {existing} ({exc.strerror}) — choose another output folder"
    return None


def load_rows(
    rows: str | Path | Iterable[Mapping[str, Any]], out_dir: Path, *, base_dir: Path | None = None
) -> list[Row]:
    """Validated rows from a manifest file or from dicts (the same columns); ManifestError lists every problem
    (including an output folder that cannot be written). Relative paths resolve against the manifest's
    folder, or `base_dir` (default: the working directory) for dicts."""
    if isinstance(rows, (str, Path)):
        path = Path(rows)
        raw, problems = read_manifest(path)
        source = str(path)
        base = Path(os.path.abspath(path.parent)) if base_dir is None else base_dir
    else:
        raw, problems, source = [], [], "rows"
        for number, item in enumerate(rows, start=1):
            if not isinstance(item, Mapping):
                problems.append(f"row {number}: not a mapping of column -> value")
            else:
                raw.append((0, item))
        base = Path(os.path.abspath(base_dir or Path.cwd()))
    good, found = validate(raw, base_dir=base, out_dir=out_dir)
    problems.extend(found)
    reason = check_out_dir(out_dir)
    if reason is not None:
        problems.append(reason)
    if problems:
        raise ManifestError(source, problems)
    return good


def check_output_folder(out_dir: Path) -> None:
    """Raise OutputError unless `out_dir` can hold the outputs."""
    reason = check_out_dir(out_dir)
    if reason is not None:
        raise OutputError(reason)


class _Digests:
    """Content digests of input files, each file read once per run (many rows share one portrait)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        info = path.stat()
        key = (str(path), info.st_size, info.st_mtime_ns)
        if key not in self._known:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._known[key] = digest.hexdigest()
        return self._known[key]


def row_keys(rows: list[Row]) -> dict[int, str]:
    """row number -> a digest of everything the row's video depends on: the input files' contents, the text,
    the options (an expressions file by content) and the output name. A changed row gets a new key."""
    digest = _Digests()
    keys = {}
    for row in rows:
        options = dict(row.options)
        if "expressions" in options and os.path.isabs(options["expressions"]):
            options["expressions"] = digest(Path(options["expressions"]))
        what = {
            "portrait": digest(row.portrait),
            "audio": digest(row.audio) if row.audio is not None else None,
            "text": row.text,
            "options": options,
            "output": row.output,
        }
        keys[row.number] = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]
    return keys
