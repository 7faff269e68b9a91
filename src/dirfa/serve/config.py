"""The service's settings: where it keeps its data, who may call it, and every limit it enforces.

Part of dirfa.serve: built by the `dirfa serve` command (or a test) and handed to `create_app`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from dirfa.errors import InputError

MB = 1024 * 1024

# Defaults, documented in the README ("dirfa serve"): a phone photo is 2-8 MB, a 20 MB cap leaves room for
# a camera's full-size JPEG or PNG; 50 MB holds 10 minutes of 44.1 kHz 16-bit stereo WAV (~106 MB would be
# needed for uncompressed stereo, so long WAVs must be mono or compressed - MP3 at 128 kb/s is ~10 MB).
MAX_PHOTO_BYTES = 20 * MB
MAX_AUDIO_BYTES = 50 * MB
MAX_AUDIO_S = 600.0
MAX_TEXT_CHARS = 5000  # ~6 minutes of speech at a reading pace of ~150 words per minute
# Jobs waiting or running at once; past this a POST gets 429. Two cores render ~4x real time (README), so
# 16 short clips are a few minutes of work.
MAX_QUEUE = 16
JOB_TIMEOUT_S = 900.0  # a 10-minute clip renders in ~3 minutes at 512 px; five times that means a stuck job
# One live session keeps a 2-core machine busy at 512 px and 25 fps (benchmarks/live.py, issue 15).
MAX_LIVE = 1
MAX_ATTEMPTS = 2  # a job interrupted by a crash runs again once; a second interruption fails it


@dataclass(frozen=True)
class ServeConfig:
    """Settings of one `dirfa serve` process. Sizes in bytes, times in seconds."""

    data_dir: Path
    token: str | None = None
    keep_days: float = 7.0
    max_photo_bytes: int = MAX_PHOTO_BYTES
    max_audio_bytes: int = MAX_AUDIO_BYTES
    max_audio_s: float = MAX_AUDIO_S
    max_text_chars: int = MAX_TEXT_CHARS
    max_queue: int = MAX_QUEUE
    job_timeout_s: float = JOB_TIMEOUT_S
    workers: int = 1
    max_live: int = MAX_LIVE
    max_attempts: int = MAX_ATTEMPTS


def is_loopback(host: str) -> bool:
    """True if `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token: anyone on the network could render (and
    fill the disk) otherwise."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"--host {host} accepts connections from other machines — give --token SECRET (or set "
            "DIRFA_TOKEN) so only clients that know it can call the API"
        )
    if token is not None and len(token) < 16:
        raise InputError(
            "--token is too short — use at least 16 random characters (e.g. `openssl rand -hex 16`)"
        )
