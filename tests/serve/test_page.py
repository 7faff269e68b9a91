"""The page in a real browser (Debian's headless Chromium driven by Playwright): upload the example
portrait, give speech, render, the video plays with the right duration; labels and keyboard reach; live
over WebRTC; screenshots at phone and desktop widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serve_helpers import PORTRAIT, speech_wav

import dirfa

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
    # A synthetic microphone (a beep) that needs no permission prompt: the recording path is exercised.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
SHOTS = Path(os.environ.get("DIRFA_SCREENSHOTS", "/tmp/dirfa-serve-shots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server.url + "/")
    yield page
    context.close()
    # No script error and no CSP violation (Chromium reports those on the console).
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


def _pick_portrait(page) -> None:
    page.set_input_files("#photo", str(PORTRAIT))
    page.wait_for_selector("#facebox:not([hidden])", timeout=60_000)
    assert page.inner_text("#photo-status").startswith("Face found")


def test_render_in_the_page_plays_with_the_right_duration(page, server, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _pick_portrait(page)
    if hasattr(dirfa, "say"):
        page.fill("#text", "Hello there.")
    else:
        clip = tmp_path / "speech.wav"
        clip.write_bytes(speech_wav(1.5))
        page.check("#src-file", force=True)
        page.set_input_files("#audio", str(clip))
    page.select_option("#size", "256")
    page.select_option("#emotion", "happy")
    page.click("#render")
    page.wait_for_selector("#result:not([hidden])", timeout=120_000)
    assert "Done" in page.inner_text("#render-status")
    duration_s = page.evaluate(
        """() => new Promise((resolve) => { const v = document.getElementById('video');
        if (v.readyState >= 1) resolve(v.duration); else v.onloadedmetadata = () => resolve(v.duration); })"""
    )
    with server.client() as client:
        job = client.get("/v1/videos?limit=1").json()[0]
    assert job["state"] == "done" and job["options"]["emotion"] == "happy:0.7"
    assert abs(duration_s - job["duration_s"]) < 0.15
    played_s = page.evaluate(
        """() => new Promise((resolve, reject) => { const v = document.getElementById('video');
        v.muted = true; v.play().catch(reject);
        v.ontimeupdate = () => { if (v.currentTime > 0.3) resolve(v.currentTime); }; })"""
    )
    assert played_s > 0.3
    assert page.locator("#past li button").count() >= 1  # listed among past videos
    page.screenshot(path=str(SHOTS / "desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than a phone's screen


def test_a_faceless_photo_gets_a_clear_message(page, tmp_path):
    from serve_helpers import faceless_png

    wall = tmp_path / "wall.png"
    wall.write_bytes(faceless_png())
    page.set_input_files("#photo", str(wall))
    page.wait_for_selector("#photo-status.error", timeout=60_000)
    assert "no face" in page.inner_text("#photo-status")
    assert page.is_hidden("#facebox")


def test_every_control_has_a_label_and_is_reachable_by_keyboard(page):
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
        .map((el) => el.id || el.outerHTML)"""
    )
    assert unlabelled == []
    reached = set()
    for _ in range(40):  # Tab through the page (bounded)
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id"))
    assert {"photo", "src-text", "text", "voice", "emotion", "render", "live-start"} <= reached


def test_microphone_recording_is_accepted_as_speech(page, server):
    _pick_portrait(page)
    page.check("#src-mic", force=True)
    page.click("#rec-start")
    page.wait_for_selector("#rec-stop:not([disabled])", timeout=10_000)
    page.wait_for_timeout(1500)  # about a second and a half of the synthetic microphone
    page.click("#rec-stop")
    page.wait_for_selector("#rec-audio:not([hidden])", timeout=10_000)
    assert "Recorded" in page.inner_text("#rec-status")
    # What the browser recorded (WebM/Opus) is decoded and accepted by the API as speech: a job starts.
    page.select_option("#size", "256")
    page.click("#render")
    page.wait_for_function(
        "() => /Waiting|Rendering/.test(document.getElementById('render-status').textContent)", timeout=60_000
    )
    with server.client() as client:
        job = client.get("/v1/videos?limit=1").json()[0]
        assert job["options"]["size"] == 256 and job["state"] in ("queued", "running")
        assert client.delete(job["url"]).status_code == 204


def test_docs_work_offline_under_a_strict_policy(browser, server):
    with server.client() as client:
        docs = client.get("/docs")
        schema = client.get("/openapi.json").json()
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "'sha256-" in policy and "unsafe-inline" not in policy
    assert "http://" not in docs.text and "https://" not in docs.text and "//cdn" not in docs.text
    operations = sum(len(methods) for methods in schema["paths"].values())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    try:
        page.goto(server.url + "/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        shown = page.locator(".opblock").count()
        assert page.locator(".btn.authorize").count() == 1  # the bearer token can be given
        page.click("#operations-videos-create_video_v1_videos_post .opblock-summary")
        page.wait_for_selector("#operations-videos-create_video_v1_videos_post .opblock-body", timeout=10_000)
        body = page.inner_text("#operations-videos-create_video_v1_videos_post")
        assert "avatar_id" in body and "Could not resolve" not in body  # the form's fields are described
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "docs.png"))
    finally:
        context.close()
    assert shown == operations
    assert requests and all(url.startswith(server.url + "/") for url in requests), requests
    assert not errors, errors  # a CSP violation is reported as a console error
