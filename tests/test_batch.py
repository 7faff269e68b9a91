"""`dirfa batch`: manifests checked up front (every problem at once), rows rendered as Ray tasks on a real
local Ray (started once for this module), bad rows and dead workers kept to their row, resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

SIZE_PX = 128  # small videos: the batch machinery is under test, not the picture
# The language-independent lip sync (no word decoding): rows take a fraction of the time, same machinery.
FAST = "xx"


def _records(out: Path, *, cut_short: int = 0) -> list[dict]:
    """The records of out/results.jsonl; exactly `cut_short` lines may be unreadable (a killed run's)."""
    records, bad = [], 0
    for line in (out / "results.jsonl").read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            bad += 1
    assert bad == cut_short
    return records


def _write_csv(path: Path, header: str, *lines: str) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clips(librivox_clip: Path, make_wav, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with real speech clips (1.0 and 1.4 s of the librivox reading), a corrupt recording, a photo
    without a face (scikit-image's coffee) and the example portrait's path as portrait.jpg."""
    folder = tmp_path_factory.mktemp("batch_inputs")
    with wave.open(str(librivox_clip), "rb") as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    make_wav(folder / "one.wav", samples[: int(1.0 * rate)], rate_hz=rate)
    make_wav(folder / "two.wav", samples[int(1.0 * rate) : int(2.4 * rate)], rate_hz=rate)
    (folder / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    Image.fromarray(data.coffee()).save(folder / "coffee.jpg")
    os.symlink(Path(__file__).resolve().parents[1] / "examples" / "portrait.jpg", folder / "portrait.jpg")
    return folder


# --- the manifest: every problem reported before any work (no Ray here) ---


def test_dry_run_reports_every_problem_at_once(cli, clips: Path, tmp_path: Path) -> None:
    manifest = _write_csv(
        clips / "bad.csv",
        "portrait,audio,text,output,seed,size,emotion,crop,colour",
        "missing.jpg,one.wav,,a.mp4,,,,,",  # a missing portrait
        "portrait.jpg,nowhere.wav,,b.mp4,,,,,",  # a missing recording
        "portrait.jpg,one.wav,Hello there.,c.mp4,,,,,",  # both audio and text
        "portrait.jpg,,,d.mp4,,,,,",  # neither
        "portrait.jpg,one.wav,,a.mp4,,,,,",  # a.mp4 again
        "portrait.jpg,one.wav,,e.mp4,-3,5000,glum,maybe,",  # bad option values
        "portrait.jpg,one.wav,,../f.mp4,,,,,",  # outside the output folder
        "portrait.jpg,one.wav,,g.mov,,,,,blue",  # not .mp4, and an unknown column
    )
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    run = cli("batch", manifest, "--out", blocked / "videos", "--dry-run")
    assert run.code == 2
    lines = run.err.splitlines()
    expected = [
        "row 1 (line 2): portrait missing.jpg does not exist",
        "row 2 (line 3): audio nowhere.wav does not exist",
        "row 3 (line 4): both audio and text",
        "row 4 (line 5): neither audio nor text",
        "row 5: output a.mp4 is also row 1's",
        "row 6 (line 7): seed '-3' is not usable",
        "row 6 (line 7): size '5000' is not usable — use 16 to 4096",
        "row 6 (line 7): unknown emotion 'glum'",
        "row 6 (line 7): crop 'maybe' is not usable — use true or false",
        "row 7 (line 8): output '../f.mp4' must be a plain name inside the output folder",
        "row 8 (line 9): output 'g.mov' must end in .mp4",
        "unknown column 'colour' (row 1, and 7 more)",
        "is a file, not a folder — choose another output folder",
    ]
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, run.err)
    assert lines[-1] == f"dirfa: error: 13 problems in {manifest}, nothing rendered — fix them and run again"
    assert "Traceback" not in run.err
    assert not (blocked.parent / "videos").exists()


def test_dry_run_of_jsonl_and_unreadable_manifests(cli, clips: Path, tmp_path: Path) -> None:
    jsonl = clips / "jobs.jsonl"
    jsonl.write_text(
        '{"portrait": "portrait.jpg", "audio": "one.wav", "seed": 2, "crop": true}\n'
        "not json\n"
        '["portrait.jpg"]\n'
        '{"portrait": "portrait.jpg", "audio": "two.wav", "fps": 25.5}\n'
    )
    run = cli("batch", jsonl, "--out", tmp_path / "out", "--dry-run")
    assert run.code == 2
    assert "line 2: not valid JSON" in run.err
    assert "line 3: not a JSON object" in run.err
    assert "row 4 (line 4): fps '25.5' is not usable — use a whole number" in run.err

    assert "does not exist" in cli("batch", tmp_path / "none.csv", "--out", tmp_path / "o", "--dry-run").err
    empty = _write_csv(tmp_path / "empty.csv", "portrait,audio")
    run = cli("batch", empty, "--out", tmp_path / "o", "--dry-run")
    assert run.code == 2 and "the manifest has no rows" in run.err
    (tmp_path / "latin1.csv").write_bytes("portrait,audio\nJosé.jpg,a.wav\n".encode("latin-1"))
    run = cli("batch", tmp_path / "latin1.csv", "--out", tmp_path / "o", "--dry-run")
    assert run.code == 2 and "not UTF-8" in run.err


def test_dry_run_of_a_good_manifest(cli, clips: Path, tmp_path: Path) -> None:
    manifest = _write_csv(
        clips / "good.csv",
        "portrait,audio,output,emotion,head_motion,gaze",
        "portrait.jpg,one.wav,,happy:0.5,0.5,no",
        f"{clips / 'portrait.jpg'},two.wav,sub/two.mp4,,,",
    )
    run = cli("batch", manifest, "--out", tmp_path / "new" / "out", "--dry-run")
    assert run.code == 0, run.err
    assert "2 rows OK — 2 to make, 0 already complete" in run.err
    assert not (tmp_path / "new").exists()  # a dry run creates nothing


# --- real runs on a local Ray ---


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A local Ray with 2 CPUs, started the way `dirfa batch` starts one (own temp folder, no dashboard),
    once for this module; yields (gcs address, crash-trigger folder) and shuts Ray down after."""
    pytest.importorskip("ray")
    from dirfa.batch.run import CRASH_ENV, ray_session

    crash_dir = tmp_path_factory.mktemp("crash")
    # Read by the workers, which inherit the environment of the Ray started here.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CRASH_ENV, str(crash_dir))
        with ray_session(num_cpus=2) as ray:
            yield ray.get_runtime_context().gcs_address, crash_dir


def test_batch_renders_good_rows_and_records_bad_ones(ray_cluster, clips: Path, tmp_path: Path) -> None:
    import dirfa
    from dirfa.media.video import probe_video

    header = "portrait,audio,text,output,seed,size,language"
    rows = [
        f"portrait.jpg,one.wav,,one.mp4,1,{SIZE_PX},",  # English lip reading, as by default
        f"coffee.jpg,one.wav,,noface.mp4,,{SIZE_PX},{FAST}",  # no face in the photo
        f"portrait.jpg,corrupt.wav,,corrupt.mp4,,{SIZE_PX},{FAST}",  # not decodable
        f"portrait.jpg,two.wav,,lessons/two.mp4,,{SIZE_PX},{FAST}",
    ]
    if hasattr(dirfa, "say"):
        rows.append(f'portrait.jpg,,"Hello, world.",said.mp4,,{SIZE_PX},')
    manifest = _write_csv(clips / "mixed.csv", header, *rows)
    out = tmp_path / "out"
    results = dirfa.batch(manifest, out)

    states = {r.output.relative_to(out).as_posix(): r.state for r in results}
    assert states.pop("noface.mp4") == "failed" and states.pop("corrupt.mp4") == "failed"
    assert set(states.values()) == {"done"}, results
    records = {r["output"]: r for r in _records(out)}
    assert len(records) == len(rows) and sorted(r["row"] for r in records.values()) == list(
        range(1, len(rows) + 1)
    )
    assert "no face found in coffee.jpg" in records["noface.mp4"]["error"]
    assert "corrupt.wav cannot be decoded" in records["corrupt.mp4"]["error"]
    for record in records.values():
        assert record["error"] is None or "\n" not in record["error"]
    for name in states:
        info = probe_video(out / name)
        assert info.width == SIZE_PX and info.audio_codec == "aac"
        assert records[name]["bytes"] == (out / name).stat().st_size
        assert abs(info.duration_s - records[name]["audio_s"]) < 0.1
        assert records[name]["node"]
    assert abs(records["one.mp4"]["audio_s"] - 1.0) < 0.02
    assert not [p for p in out.rglob("*") if p.name.startswith(".") and "part" in p.name]
    assert not (out / "noface.mp4").exists() and not (out / "corrupt.mp4").exists()

    # Again: complete rows are skipped, failed ones tried again; a changed row is made again.
    rows[0] = rows[0].replace(",1,", ",2,")  # another seed for one.mp4
    _write_csv(manifest, header, *rows)
    before = (out / "lessons" / "two.mp4").stat().st_mtime_ns
    again = {r.output.relative_to(out).as_posix(): r.state for r in dirfa.batch(manifest, out)}
    assert again["one.mp4"] == "done" and again["lessons/two.mp4"] == "skipped"
    assert again["noface.mp4"] == "failed" and again["corrupt.mp4"] == "failed"
    assert (out / "lessons" / "two.mp4").stat().st_mtime_ns == before
    lines = _records(out)
    assert [r["output"] for r in lines].count("lessons/two.mp4") == 1  # by its path inside the folder
    assert [r["output"] for r in lines].count("one.mp4") == 2


def test_a_worker_killed_mid_row_is_retried(ray_cluster, clips: Path, tmp_path: Path) -> None:
    import dirfa

    _, crash_dir = ray_cluster
    rows = [
        {"portrait": "portrait.jpg", "audio": "one.wav", "output": "crash.mp4"},
        {"portrait": "portrait.jpg", "audio": "two.wav", "output": "calm.mp4"},
    ]
    rows = [{**row, "size": SIZE_PX, "language": FAST} for row in rows]
    (crash_dir / "1.crash").touch()  # row 1's first attempt kills its worker process
    results = dirfa.batch(rows, tmp_path / "retried", base_dir=clips, retries=1)
    assert [r.state for r in results] == ["done", "done"]
    assert not (crash_dir / "1.crash").exists()

    (crash_dir / "1.crash").touch()  # no retries: the row fails, the others go on
    results = dirfa.batch(rows, tmp_path / "no_retry", base_dir=clips, retries=0)
    assert [r.state for r in results] == ["failed", "done"]
    assert results[0].error.startswith("its worker process died (1 try; ")
    assert not (tmp_path / "no_retry" / "crash.mp4").exists()


def test_killed_batch_resumes_with_every_row_done_once(ray_cluster, cli, clips: Path, tmp_path: Path) -> None:
    address, _ = ray_cluster
    n_rows = 5
    manifest = _write_csv(
        clips / "resume.csv",
        "portrait,audio,output,seed,size,language",
        *(
            f"portrait.jpg,{'one' if i % 2 else 'two'}.wav,v{i}.mp4,{i},{SIZE_PX},{FAST}"
            for i in range(n_rows)
        ),
    )
    out = tmp_path / "out"
    argv = ["batch", manifest, "--out", out, "--ray-address", address, "-q"]
    process = subprocess.Popen([sys.executable, "-m", "dirfa", *map(str, argv)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        results = out / "results.jsonl"
        while process.poll() is None and time.monotonic() < deadline:
            if results.exists() and results.read_text().count("\n") >= 1:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before it could be killed"
        process.send_signal(signal.SIGKILL)  # no chance to clean up: the hardest interruption
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    first = [r["output"] for r in _records(out) if r["state"] == "done"]
    assert 1 <= len(first) < n_rows
    # A driver killed while writing a record, and a worker killed while writing its video
    # (media.files.atomic_output's temporary name): the next run carries on from both.
    with open(out / "results.jsonl", "a") as results_file:
        results_file.write('{"row": 5, "output": "v4.mp4", "sta')
    (out / ".v4.k1ll3d.part.mp4").write_bytes(b"\0\0\0\x18ftypisom")

    run = cli("batch", manifest, "--out", out, "--ray-address", address)
    assert run.code == 0, run.err
    assert f"{n_rows - len(first)} done, {len(first)} already complete, 0 failed" in run.err
    done = [r["output"] for r in _records(out, cut_short=1) if r["state"] == "done"]
    assert sorted(done) == [f"v{i}.mp4" for i in range(n_rows)]  # each exactly once
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted([*done, "results.jsonl"])
    assert not [p for p in out.iterdir() if ".part" in p.name]  # the killed run's temporary file is gone
    assert np.all([(out / name).stat().st_size > 1000 for name in done])


def test_an_address_where_no_cluster_answers(cli, clips: Path, tmp_path: Path) -> None:
    manifest = _write_csv(clips / "one.csv", "portrait,audio", "portrait.jpg,one.wav")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = cli("batch", manifest, "--out", tmp_path / "out", "--ray-address", f"127.0.0.1:{port}", "-q")
    assert run.code == 2
    assert f"nothing answers at 127.0.0.1:{port}" in run.err
    assert not list((tmp_path / "out").glob("*.mp4"))
