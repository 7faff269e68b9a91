"""Fixtures for the service tests: a real `dirfa serve` on a free 127.0.0.1 port, an avatar."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from serve_helpers import PORTRAIT, TOKEN, Server


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> dict[str, Server]:
    """The two shared servers, started side by side (each spends seconds importing) and stopped together:
    "server" without a token and with the default limits; "strict" with a token and tiny limits."""
    found = {
        "server": Server(tmp_path_factory.mktemp("serve") / "data"),
        "strict": Server(
            tmp_path_factory.mktemp("strict") / "data",
            "--max-photo-mb",
            "0.25",
            "--max-audio-mb",
            "0.2",
            "--max-audio-minutes",
            "0.05",
            "--max-queue",
            "1",
            "--job-timeout",
            "0.5",
            token=TOKEN,
        ),
    }
    try:
        for srv in found.values():
            srv.launch()
        for srv in found.values():
            srv.wait_ready()
        yield found
    finally:
        for srv in found.values():
            if srv.process is not None and srv.process.poll() is None:
                srv.process.send_signal(signal.SIGTERM)
        for srv in found.values():
            srv.wait_stopped()


@pytest.fixture(scope="session")
def server(servers) -> Server:
    return servers["server"]


@pytest.fixture(scope="session")
def strict(servers) -> Server:
    return servers["strict"]


@pytest.fixture(scope="session")
def avatar(server) -> dict:
    with server.client() as client:
        response = client.post("/v1/avatars", files={"photo": ("face.jpg", PORTRAIT.read_bytes())})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright (never a downloaded browser), shared by the page tests."""
    from test_page import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()
