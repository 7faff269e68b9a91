"""A second process on a pipe: its answer arrives, its death or silence is an exception rather than a hang,
and closing it leaves no process behind, even while its payload is still on the way."""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import Connection

import pytest

from dirfa.child_process import ChildLost, ChildProcess, ChildSilent

# Far more than a pipe holds (64 KiB on Linux): sending it blocks until the child reads it.
BIG_BYTES = 32 * 2**20


# The children's targets: module functions, as a spawned process imports them by name.


def _double(conn: Connection, extra: int) -> None:
    """Answer the payload (a number) with twice it plus `extra`, then stop when told to (None)."""
    conn.send(2 * conn.recv() + extra)
    while conn.recv() is not None:
        pass


def _die(conn: Connection, code: int) -> None:
    """Read the payload, then end at once without answering."""
    conn.recv()
    os._exit(code)


def _hang(conn: Connection, seconds: float) -> None:
    """Never read the payload, never answer."""
    time.sleep(seconds)


def test_the_answer_arrives_and_a_stop_message_ends_the_child() -> None:
    child = ChildProcess(_double, (1,), name="dirfa-test", payload=20)
    assert child.receive(timeout_s=30) == 41
    child.send(None)
    started = time.monotonic()
    child.close(grace_s=10)
    assert time.monotonic() - started < 5  # it ended on the message, not at the end of the grace
    assert multiprocessing.active_children() == []


def test_a_child_that_dies_is_an_exception_not_a_hang() -> None:
    child = ChildProcess(_die, (3,), name="dirfa-test", payload=b"x" * BIG_BYTES)
    started = time.monotonic()
    with pytest.raises(ChildLost) as lost:
        child.receive(timeout_s=600)
    assert time.monotonic() - started < 30
    assert not isinstance(lost.value, ChildSilent)
    assert "exited with code 3" in str(lost.value) or "is gone" in str(lost.value)
    child.close(grace_s=0)
    assert multiprocessing.active_children() == []


def test_a_silent_child_times_out_and_is_killed_on_close() -> None:
    # Its payload never fits the pipe, so the sending thread is blocked too: closing must not wait for it.
    child = ChildProcess(_hang, (60.0,), name="dirfa-test", payload=b"x" * BIG_BYTES)
    with pytest.raises(ChildSilent, match="sent nothing in 1 s"):
        child.receive(timeout_s=1.0)
    assert child.has_message() is False
    started = time.monotonic()
    child.kill()
    child.close(grace_s=0)
    assert time.monotonic() - started < 5
    assert multiprocessing.active_children() == []
    with pytest.raises(ChildLost):  # its pipe is closed now
        child.send("more")
