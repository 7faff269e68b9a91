"""Session-wide inputs: the example portrait, real English speech from Debian's pocketsphinx-testdata padded
with silence, one full `dirfa animate` run that several tests inspect, and the standard test face
(scikit-image's astronaut: photo, landmarks, rig)."""

from __future__ import annotations

import contextlib
import io
import os
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from skimage import data

# Ray (the batch tests) keeps its nodes on the loopback rather than this machine's network address; it
# reads this when first imported, so it is set before any test imports it.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

from dirfa.face.landmarks import Portrait, load_portrait  # noqa: E402
from dirfa.face.rig import Rig, build_rig

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_PORTRAIT = REPO / "examples" / "portrait.jpg"  # skimage's astronaut, 512 x 512, one face ~93 px wide
LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
# 2.99 s, 16 kHz mono: "he was not an ill disposed young man" (librivox/transcription).
LIBRIVOX_CLIP = LIBRIVOX_DIR / "sense_and_sensibility_01_austen_64kb-0880.wav"
LIBRIVOX_TEXT = "he was not an ill disposed young man"
PAD_S = 1.0  # silence added before and after the speech
FPS = 25


@dataclass(frozen=True)
class SpeechClip:
    """A WAV of speech between two stretches of digital silence; times in seconds."""

    path: Path
    speech_start_s: float
    speech_end_s: float
    duration_s: float


@dataclass(frozen=True)
class CliRun:
    """What one in-process `dirfa.cli.main` call returned and printed."""

    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Animated:
    """The outputs of one `dirfa animate` run on the padded speech clip."""

    run: CliRun
    video: Path
    animation: Path
    visemes_tsv: Path
    clip: SpeechClip


def write_wav(path: Path, samples: np.ndarray, *, rate_hz: int = 16000) -> Path:
    """Write (n,) int16 mono samples as a PCM WAV with the standard library (not the code under test)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(n,) int16 mono samples and the rate of a 16-bit mono PCM WAV."""
    with wave.open(str(path), "rb") as src:
        assert src.getnchannels() == 1 and src.getsampwidth() == 2
        return np.frombuffer(src.readframes(src.getnframes()), dtype="<i2"), src.getframerate()


def run_cli(*argv: str | Path) -> CliRun:
    """Run `dirfa ARGS` in this process (fast: mediapipe and pocketsphinx stay loaded), capturing its output."""
    from dirfa.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session", autouse=True)
def _private_avatar_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The CLI caches prepared photos in the user cache folder: the tests use a temporary one instead."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(scope="session")
def portrait_jpg() -> Path:
    return EXAMPLE_PORTRAIT


@pytest.fixture(scope="session")
def librivox_clip() -> Path:
    if not LIBRIVOX_CLIP.exists():
        pytest.skip("needs the Debian package pocketsphinx-testdata (real English speech)")
    return LIBRIVOX_CLIP


@pytest.fixture(scope="session")
def inputs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for generated inputs, apart from any test's output folder."""
    return tmp_path_factory.mktemp("inputs")


@pytest.fixture(scope="session")
def padded_speech(librivox_clip: Path, inputs_dir: Path) -> SpeechClip:
    """The librivox clip with PAD_S of silence before and after (4.99 s in all)."""
    samples, rate = read_wav(librivox_clip)
    pad = np.zeros(int(PAD_S * rate), dtype=np.int16)
    path = write_wav(inputs_dir / "padded_speech.wav", np.concatenate([pad, samples, pad]), rate_hz=rate)
    speech_s = len(samples) / rate
    return SpeechClip(path, PAD_S, PAD_S + speech_s, 2 * PAD_S + speech_s)


@pytest.fixture(scope="session")
def short_speech(librivox_clip: Path, inputs_dir: Path) -> Path:
    """The first 1.5 s of the librivox clip ("he was not an"): enough speech for quick CLI runs."""
    samples, rate = read_wav(librivox_clip)
    return write_wav(inputs_dir / "short_speech.wav", samples[: int(1.5 * rate)], rate_hz=rate)


@pytest.fixture(scope="session")
def long_speech(librivox_clip: Path, inputs_dir: Path) -> Path:
    """The librivox clip eight times over (24 s): a render long enough to interrupt."""
    samples, rate = read_wav(librivox_clip)
    return write_wav(inputs_dir / "long_speech.wav", np.tile(samples, 8), rate_hz=rate)


@pytest.fixture(scope="session")
def silent_wav(inputs_dir: Path) -> Path:
    """1.5 s of digital silence: valid input, the mouth must stay closed."""
    return write_wav(inputs_dir / "silence.wav", np.zeros(24000, dtype=np.int16))


@pytest.fixture(scope="session")
def speech_audio(padded_speech: SpeechClip):
    import dirfa

    return dirfa.load_audio(padded_speech.path)


@pytest.fixture(scope="session")
def animated(
    portrait_jpg: Path, padded_speech: SpeechClip, tmp_path_factory: pytest.TempPathFactory
) -> Animated:
    """`dirfa animate` on the padded clip at the photo's own size, with its animation and visemes saved."""
    folder = tmp_path_factory.mktemp("animated")
    video, animation, cues = folder / "talk.mp4", folder / "anim.json", folder / "cues.tsv"
    run = run_cli(
        "animate",
        portrait_jpg,
        padded_speech.path,
        "-o",
        video,
        "--save-animation",
        animation,
        "--export-visemes",
        cues,
        "--quiet",
    )
    assert run.code == 0, run.err
    return Animated(run, video, animation, cues, padded_speech)


@pytest.fixture(scope="session")
def redetected(animated: Animated) -> list[np.ndarray | None]:
    """Landmarks (478, 3) of the largest face re-detected in each frame of the rendered video (None: no face)."""
    from dirfa.face.landmarks import find_faces
    from dirfa.media.video import read_video_frames

    found = []
    for frame in read_video_frames(animated.video):
        faces = find_faces(frame)
        found.append(faces[0] if faces else None)
    return found


@pytest.fixture(scope="session")
def openings(redetected: list[np.ndarray | None]) -> np.ndarray:
    """Mouth opening per frame of the rendered video (NaN where no face was found): the inner-lip gap
    (Face Mesh points 13 upper, 14 lower) over the mouth width (corners 61, 291), so head scale cancels."""
    values = np.full(len(redetected), np.nan)
    for i, landmarks in enumerate(redetected):
        if landmarks is not None:
            gap = np.linalg.norm(landmarks[13, :2] - landmarks[14, :2])
            values[i] = gap / np.linalg.norm(landmarks[61, :2] - landmarks[291, :2])
    return values


@pytest.fixture(scope="session")
def cli():
    """cli(*args) -> CliRun: `dirfa ARGS` run in this process (mediapipe and pocketsphinx stay loaded)."""
    return run_cli


@pytest.fixture(scope="session")
def make_wav():
    """make_wav(path, int16_samples, rate_hz=16000) -> path."""
    return write_wav


# --- the standard test face (face and render tests) ---


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """(512, 512, 3) uint8 RGB photo of one face, ~93 px wide, lips slightly parted (teeth show)."""
    return data.astronaut()


@pytest.fixture(scope="session")
def portrait(astronaut: np.ndarray) -> Portrait:
    return load_portrait(astronaut)


@pytest.fixture(scope="session")
def rig(portrait: Portrait) -> Rig:
    return build_rig(portrait)


@pytest.fixture(scope="session")
def warp_gaps():
    """warp_gaps(rig, params) -> (holes, folds): the pixels (y, x) inside the face's still outline (eroded by
    2 px) that no triangle of the posed mesh covers, and the eye triangles the pose folds over."""
    import cv2

    from dirfa.render.warp import Region, folded_triangles, rasterize_ids

    def gaps(rig, params) -> tuple[np.ndarray, np.ndarray]:
        src = rig.points_xyz[:, :2]
        pose = rig.pose(params)
        height, width = (int(np.ceil(src[:, 1].max())) + 2, int(np.ceil(src[:, 0].max())) + 2)
        layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
        ids = rasterize_ids(pose.points_xy, layers, Region(0, 0, width, height))
        inside = np.zeros((height, width), np.uint8)
        cv2.fillPoly(inside, [np.round(pose.points_xy[rig.still_outline]).astype(np.int32)], 1)
        inside = cv2.erode(inside, np.ones((5, 5), np.uint8)).astype(bool)
        folds = folded_triangles(src, pose.points_xy, rig.eye_triangles)
        return np.argwhere((ids < 0) & inside), np.asarray(folds)

    return gaps


@pytest.fixture(scope="session")
def in_white_hair():
    """in_white_hair(portrait, image, tone) -> head mask: see _in_white_hair."""
    return _in_white_hair


def _in_white_hair(portrait, image: np.ndarray, tone: int) -> np.ndarray:
    """Paint `image` (the portrait's size) with the portrait's face inside its oval and hair of grey level `tone`
    round it (0.12 of the face's height wide); return the head's mask (face and hair, 255)."""
    import cv2

    from dirfa.face import topology as topo

    face = np.zeros(image.shape[:2], np.uint8)
    oval = np.round(portrait.landmarks_xyz[list(topo.face_oval()), :2]).astype(np.int32)
    cv2.fillPoly(face, [oval], 255)
    grow = int(round(0.12 * float(np.ptp(portrait.landmarks_xyz[:, 1]))))
    head = cv2.dilate(face, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    image[head > 0] = tone
    image[face > 0] = portrait.image[face > 0]
    return head
