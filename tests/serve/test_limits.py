"""The service's limits and safety against a real server with tiny caps and a token: auth, uploads cut
off while streaming, duration cap, full queue (429), per-job time limit, refusing to bind publicly."""

from __future__ import annotations

import socket
import time

from serve_helpers import JOB_FIELDS, PORTRAIT, TOKEN, Server, speech_wav, wait_done


def test_every_api_call_needs_the_token(strict):
    with strict.client(token=None) as anonymous:
        for method, path in (
            ("GET", "/v1/voices"),
            ("GET", "/v1/videos"),
            ("POST", "/v1/avatars"),
            ("GET", "/v1/avatars/0123456789abcdef0123456789abcdef"),
            ("POST", "/v1/live"),
        ):
            response = anonymous.request(method, path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            assert "Authorization: Bearer" in response.json()["error"]
        assert anonymous.get("/").status_code == 200  # the page itself asks for the token
    with strict.client(token="wrong-token-0123456789") as wrong:
        assert wrong.get("/v1/voices").status_code == 401
    with strict.client() as client:
        assert client.get("/v1/voices").status_code == 200


def test_declared_oversized_upload_is_refused_before_reading(strict):
    with strict.client() as client:
        response = client.post("/v1/avatars", files={"photo": ("big.jpg", b"\xff\xd8\xff" + bytes(400_000))})
    assert response.status_code == 413 and "photo" in response.json()["error"]


def _chunked_upload(server: Server, total_bytes: int) -> tuple[int, bytes]:
    """Stream a multipart photo of `total_bytes` with chunked encoding (no declared length) from a raw
    socket, stopping as soon as the server answers. Returns (bytes sent, the answer)."""
    boundary = "dirfa-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff\xd8\xff"
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(
        (
            f"POST /v1/avatars HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    sent = 0
    chunk = head + bytes(64 * 1024 - len(head))
    sock.setblocking(False)
    answer = b""
    try:
        while sent < total_bytes:
            try:
                answer += sock.recv(65536)
                if answer:
                    break
            except BlockingIOError:
                pass
            payload = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            try:
                sock.setblocking(True)
                sock.sendall(payload)
                sock.setblocking(False)
            except OSError:
                break  # the server closed the connection: it stopped reading
            sent += len(chunk)
            chunk = bytes(64 * 1024)
            time.sleep(0.005)
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    return sent, answer


def test_streamed_oversized_upload_is_cut_off_at_the_cap(strict):
    total = 8 * 1024 * 1024
    sent, answer = _chunked_upload(strict, total)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"photo too large" in answer or b"upload too large" in answer
    # Cut off near the 0.25 MB cap, not after the 8 MB: allow for socket buffers between us and it.
    assert sent < 4 * 1024 * 1024


def test_audio_longer_than_the_cap_is_413(strict):
    with strict.client() as client:
        avatar = client.post("/v1/avatars", files={"photo": ("f.jpg", PORTRAIT.read_bytes())}).json()
        response = client.post(
            "/v1/videos", data={"avatar_id": avatar["id"]}, files={"audio": ("long.wav", speech_wav(4.0))}
        )
    assert response.status_code == 413 and "longer than" in response.json()["error"]


def test_full_queue_is_429_and_slow_jobs_hit_the_time_limit(strict):
    with strict.client() as client:
        avatar = client.post("/v1/avatars", files={"photo": ("f.jpg", PORTRAIT.read_bytes())}).json()
        fields = {"avatar_id": avatar["id"], **JOB_FIELDS}
        first = client.post("/v1/videos", data=fields, files={"audio": ("s.wav", speech_wav(1.0))})
        assert first.status_code == 202
        second = client.post("/v1/videos", data=fields, files={"audio": ("s.wav", speech_wav(1.0))})
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        assert "queue is full" in second.json()["error"]
        # Preparing the new avatar and rendering take seconds on any machine: past the 0.5 s limit.
        job = wait_done(client, first.json()["id"])
        assert job["state"] == "failed" and "limit" in job["error"]
        assert (
            client.post("/v1/videos", data=fields, files={"audio": ("s.wav", speech_wav(1.0))}).status_code
            == 202
        )


def test_refuses_a_public_address_without_a_token(capsys):
    from dirfa.cli import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert "--token" in error and "Traceback" not in error
    assert main(["serve", "--host", "0.0.0.0", "--token", "short"]) == 2
    assert "too short" in capsys.readouterr().err


def test_the_page_asks_for_the_token_and_then_works(strict, browser):
    page = browser.new_page()
    try:
        page.goto(strict.url + "/")
        page.wait_for_selector("#auth:not([hidden])", timeout=30_000)  # the first API call got 401
        page.fill("#token", TOKEN)
        page.keyboard.press("Enter")
        page.wait_for_selector("#auth[hidden]", state="attached", timeout=10_000)
        page.set_input_files("#photo", str(PORTRAIT))
        page.wait_for_selector("#facebox:not([hidden])", timeout=60_000)
    finally:
        page.close()
