"""The HTTP API against a real `dirfa serve` on 127.0.0.1: every endpoint, range requests, SSE progress,
callbacks, and the JSON errors for unknown ids, wrong types, faceless photos and hostile file names."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from serve_helpers import JOB_FIELDS, PORTRAIT, faceless_png, free_port, speech_wav
from test_page import SHOTS

from dirfa.media.video import probe_video

UNKNOWN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def callback_sink():
    """A loopback HTTP server that records the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    sink = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sink.server_address[1]}/done", received
    sink.shutdown()
    sink.server_close()


@pytest.fixture(scope="module")
def followed_job(server, avatar, callback_sink):
    """A job followed over Server-Sent Events from submission to the end: (final job, events)."""
    url, _ = callback_sink
    with server.client() as client:
        response = client.post(
            "/v1/videos",
            data={"avatar_id": avatar["id"], "callback_url": url, **JOB_FIELDS},
            files={"audio": ("speech.wav", speech_wav(1.5))},
        )
        assert response.status_code == 202, response.text
        assert response.headers["location"] == f"/v1/videos/{response.json()['id']}"
        events = []
        with client.stream("GET", response.json()["events_url"], timeout=120) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            name = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    events.append((name, json.loads(line[6:])))
        job = client.get(response.json()["url"]).json()
    return job, events


def test_page_and_docs(server):
    with server.client() as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        schema = client.get("/openapi.json").json()
        for path in ("/v1/avatars", "/v1/videos", "/v1/videos/{job_id}/file", "/v1/voices", "/v1/live"):
            assert path in schema["paths"]
        assert client.get("/docs").status_code == 200


def test_avatar_is_found_outlined_and_deleted(server, avatar):
    x0, y0, x1, y1 = avatar["face_box"]
    assert 0 <= x0 < x1 <= avatar["width_px"] and 0 <= y0 < y1 <= avatar["height_px"]
    with server.client() as client:
        assert client.get(f"/v1/avatars/{avatar['id']}").json()["face_box"] == avatar["face_box"]
        preview = client.get(avatar["preview_url"])
        assert preview.status_code == 200 and preview.content[:3] == b"\xff\xd8\xff"
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "preview.jpg").write_bytes(preview.content)
        assert avatar["id"] in [a["id"] for a in client.get("/v1/avatars").json()]
        other = client.post("/v1/avatars", files={"photo": ("x.jpg", PORTRAIT.read_bytes())}).json()
        assert other["id"] != avatar["id"]
        assert client.delete(f"/v1/avatars/{other['id']}").status_code == 204
        gone = client.get(f"/v1/avatars/{other['id']}")
        assert gone.status_code == 404 and "no avatar" in gone.json()["error"]


def test_faceless_photo_is_refused_with_the_cli_message(server):
    with server.client() as client:
        response = client.post("/v1/avatars", files={"photo": ("wall.png", faceless_png())})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "no face" in error and "the photo" in error
    assert str(server.data_dir) not in error and "\n" not in error


def test_content_is_sniffed_not_trusted(server, avatar):
    with server.client() as client:
        as_photo = client.post("/v1/avatars", files={"photo": ("face.jpg", speech_wav(0.5), "image/jpeg")})
        assert as_photo.status_code == 415 and "looks like wav" in as_photo.json()["error"]
        text = client.post(
            "/v1/avatars", files={"photo": ("face.png", b"hello, not a picture" * 10, "image/png")}
        )
        assert text.status_code == 415
        as_audio = client.post(
            "/v1/videos",
            data={"avatar_id": avatar["id"]},
            files={"audio": ("speech.wav", PORTRAIT.read_bytes(), "audio/wav")},
        )
        assert as_audio.status_code == 415 and "looks like jpeg" in as_audio.json()["error"]
        # Audio magic but garbage inside: decoded before queueing, refused with the CLI's message.
        broken = client.post(
            "/v1/videos",
            data={"avatar_id": avatar["id"]},
            files={"audio": ("a.wav", b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 200)},
        )
        assert broken.status_code == 422 and "the audio" in broken.json()["error"]


def test_path_like_file_names_never_reach_the_disk(server, tmp_path):
    target = tmp_path / "escaped.jpg"
    hostile = f"../../../../..{target}"
    with server.client() as client:
        response = client.post("/v1/avatars", files={"photo": (hostile, PORTRAIT.read_bytes())})
    assert response.status_code == 201
    assert not target.exists()
    names = [p.name for p in server.data_dir.rglob("*") if p.is_file()]
    assert names and all("escaped" not in name and ".." not in name for name in names)


def test_unknown_and_malformed_ids_are_404(server):
    with server.client() as client:
        for path in (
            f"/v1/videos/{UNKNOWN}",
            f"/v1/videos/{UNKNOWN}/file",
            f"/v1/videos/{UNKNOWN}/events",
            f"/v1/avatars/{UNKNOWN}",
            "/v1/avatars/not-an-id",
            "/v1/videos/..%2F..%2Fetc%2Fpasswd",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]
        assert client.delete(f"/v1/videos/{UNKNOWN}").status_code == 404
        assert client.delete(f"/v1/avatars/{UNKNOWN}").status_code == 404
        missing = client.post(
            "/v1/videos", data={"avatar_id": UNKNOWN}, files={"audio": ("s.wav", speech_wav(0.5))}
        )
        assert missing.status_code == 404
        hostile = client.post(
            "/v1/videos", data={"avatar_id": "../../x"}, files={"audio": ("s.wav", speech_wav(0.5))}
        )
        assert hostile.status_code == 422 and "avatar_id" in hostile.json()["error"]
        assert client.get("/v1/nothing").json()["error"].startswith("no such address")


def test_bad_requests_get_one_line_json_errors(server, avatar):
    with server.client() as client:
        not_form = client.post("/v1/videos", content=b"{}", headers={"content-type": "application/json"})
        assert not_form.status_code == 415 and "multipart" in not_form.json()["error"]
        no_speech = client.post("/v1/videos", data={"avatar_id": avatar["id"]}, files={"x": ("", b"")})
        assert no_speech.status_code in (400, 422)
        only_avatar = client.post(
            "/v1/videos",
            files={"audio": ("s.wav", speech_wav(0.5))},
            data={"avatar_id": avatar["id"], "size": "5"},
        )
        assert only_avatar.status_code == 422 and only_avatar.json()["error"].startswith("size:")
        emotion = client.post(
            "/v1/videos",
            files={"audio": ("s.wav", speech_wav(0.5))},
            data={"avatar_id": avatar["id"], "emotion": "furious"},
        )
        assert emotion.status_code == 422 and "furious" in emotion.json()["error"]
        callback = client.post(
            "/v1/videos",
            files={"audio": ("s.wav", speech_wav(0.5))},
            data={"avatar_id": avatar["id"], "callback_url": "file:///etc/passwd"},
        )
        assert callback.status_code == 422 and "callback_url" in callback.json()["error"]
        unknown_field = client.post(
            "/v1/videos",
            files={"audio": ("s.wav", speech_wav(0.5))},
            data={"avatar_id": avatar["id"], "output": "/tmp/x.mp4"},
        )
        assert unknown_field.status_code == 422
        for response in (not_form, no_speech, only_avatar, emotion, callback, unknown_field):
            assert set(response.json()) == {"error"} and "Traceback" not in response.text


def test_job_progress_arrives_as_server_sent_events(followed_job, callback_sink):
    job, events = followed_job
    assert job["state"] == "done" and job["error"] is None
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) <= {"progress"}
    progress = [data["progress"] for _, data in events]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any(0 < p < 1 for p in progress)  # some progress in between, not only start and end
    _, received = callback_sink
    for _ in range(100):  # the callback is posted just after the job is marked done
        if received:
            break
        time.sleep(0.1)
    assert [body["id"] for body in received] == [job["id"]] and received[0]["state"] == "done"


def test_video_file_supports_range_requests(server, followed_job, tmp_path):
    job, _ = followed_job
    with server.client() as client:
        whole = client.get(job["file_url"])
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        size = len(whole.content)
        first = client.get(job["file_url"], headers={"Range": "bytes=0-99"})
        assert first.status_code == 206 and first.content == whole.content[:100]
        assert first.headers["content-range"] == f"bytes 0-99/{size}"
        tail = client.get(job["file_url"], headers={"Range": "bytes=-50"})
        assert tail.status_code == 206 and tail.content == whole.content[-50:]
        beyond = client.get(job["file_url"], headers={"Range": f"bytes={size + 10}-"})
        assert beyond.status_code == 416
    path = tmp_path / "out.mp4"
    path.write_bytes(whole.content)
    info = probe_video(path)
    assert abs(info.duration_s - 1.5) < 0.2 and info.width == 128
    assert job["duration_s"] == pytest.approx(1.5, abs=0.1)


def test_past_videos_are_listed_with_their_settings(server, followed_job):
    job, _ = followed_job
    with server.client() as client:
        listed = {j["id"]: j for j in client.get("/v1/videos").json()}
    assert listed[job["id"]]["options"]["size"] == 128 and listed[job["id"]]["options"]["seed"] == 3


def test_deleting_a_running_job_cancels_it(server, avatar):
    with server.client() as client:
        job = client.post(
            "/v1/videos",
            data={"avatar_id": avatar["id"], **JOB_FIELDS},
            files={"audio": ("s.wav", speech_wav(1.0))},
        ).json()
        assert client.delete(job["url"]).status_code == 204
        assert client.get(job["url"]).status_code == 404
        assert client.get(job["file_url"] or job["url"] + "/file").status_code == 404
    assert not list((server.data_dir / "audio").glob(f"{job['id']}*"))


def test_voices_are_listed(server):
    with server.client() as client:
        voices = client.get("/v1/voices").json()
    assert isinstance(voices, list)
    for voice in voices:
        assert set(voice) == {"name", "engine", "language", "sex", "description"}


def test_text_is_queued_for_speech_synthesis(server, avatar):
    import dirfa

    with server.client() as client:
        too_long = client.post("/v1/videos", data={"avatar_id": avatar["id"], "text": "a " * 3000})
        response = client.post(
            "/v1/videos", data={"avatar_id": avatar["id"], "text": "Hello there.", "size": "128"}
        )
        if not hasattr(dirfa, "say"):
            assert response.status_code == 501 and "upload a recording" in response.json()["error"]
            return
        assert too_long.status_code == 413 and "at most 5000 characters" in too_long.json()["error"]
        assert response.status_code == 202 and response.json()["options"]["text"] == "Hello there."
        # The page test renders speech from text to the end; here the job is only queued, then deleted.
        assert client.delete(response.json()["url"]).status_code == 204
