"""`import dirfa` stays light: the public API loads its modules (OpenCV, PyAV, SciPy...) on first use, and
every public name still resolves."""

from __future__ import annotations

import subprocess
import sys

import dirfa

HEAVY = ("cv2", "av", "scipy", "numpy", "mediapipe", "pocketsphinx")


def test_import_dirfa_loads_no_heavy_module():
    code = f"import sys, dirfa; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_public_name_resolves():
    for name in dirfa.__all__:
        assert getattr(dirfa, name) is not None, name
    assert set(dirfa.__all__) <= set(dir(dirfa))
    assert callable(dirfa.batch) and callable(dirfa.animate)
    from dirfa import Tracks, load_avatar  # from-imports go through the same lazy look-up

    assert Tracks is dirfa.Tracks and load_avatar is dirfa.load_avatar


def test_render_and_batch_stay_functions_when_their_subpackages_load_first():
    # dirfa.render and dirfa.batch are also subpackages; loading them first must not hide the functions.
    code = (
        "import dirfa.render.compose, dirfa.batch.run, dirfa; from dirfa.render import warp; "
        "print(dirfa.render.__module__, dirfa.batch.__module__, warp.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["dirfa.api", "dirfa.batch.run", "dirfa.render.warp"]


def test_unknown_name_is_an_attribute_error():
    try:
        dirfa.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("dirfa.no_such_name resolved")


def test_an_english_reply_never_imports_scipy_signal_or_ndimage():
    # Its import alone took ~1.4 s, the largest wait before `dirfa say`'s first frame: the pitch filter and the
    # accent peaks are numpy (checked against scipy.signal in tests/speech/test_prosody.py, test_cues.py).
    # scipy.ndimage (~0.2 s of CPU) neither: speech.filters has its smoothing and morphology
    # (tests/speech/test_filters.py).
    code = (
        "import sys, dirfa; "
        "said = dirfa.say(None, 'Hello there, my friend. How are you?', fps=25, seed=0); "
        "print(said.tracks.n_frames, 'scipy.signal' in sys.modules, 'scipy.ndimage' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    n_frames, signal, ndimage = out.stdout.split()
    assert int(n_frames) > 25 and signal == "False" and ndimage == "False"


def test_the_voice_starts_before_numpy_loads():
    # `dirfa say` starts festival (festival.start_ahead) before anything else: its module loads no NumPy, so
    # the voice loads (~0.3 s) while NumPy and the rest of dirfa are imported, not after them.
    code = "import sys, dirfa.cli; from dirfa.voice import festival; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
