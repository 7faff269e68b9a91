"""A second process on a pipe: started fresh (or forked), sent its (large) first message from a thread, waited
on while checked to be alive, and stopped without leaving anything behind.

Beside the stages: speech.words decodes words in one, render.stream renders frames in several.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection

POLL_S = 0.2  # how often a wait for the child checks that it is still alive
# A killed process is gone within milliseconds; one that is not after this long is stuck in the kernel, and
# waiting longer would only hang the parent.
REAP_S = 5.0


class ChildLost(Exception):
    """The child exited, or its end of the pipe is gone."""


class ChildSilent(ChildLost):
    """The child is alive but sent nothing in the time allowed."""


class ChildProcess:
    """One process running target(conn, *args), `conn` its end of a pipe to us.

    `payload` is the first message down the pipe, sent from a thread: the child takes a second or so to start
    (a fresh interpreter, imports) before it reads it, and meanwhile the parent gets on with its own work.
    Send nothing else until the child has answered (its answer shows the payload arrived): two messages
    written at once would interleave. None: no first message.

    fork: the child is a copy of this process (target and args need not pickle, nothing is imported again)
    rather than a fresh interpreter. Only for a target that runs none of the code of this process's other
    threads (the copy has none of them, but their state and any locks they held, as they were) and is safe
    in a fork on this platform: the caller decides.

    Raises OSError if the process cannot start (no processes left)."""

    def __init__(
        self,
        target: Callable[..., None],
        args: tuple,
        *,
        name: str,
        payload: object = None,
        fork: bool = False,
    ) -> None:
        # "spawn" unless asked: a fresh interpreter; forking a process that runs mediapipe's threads is unsafe.
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self._conn, theirs = context.Pipe()
        if fork:  # the copy closes its copy of our end first (_in_fork)
            target, args = _in_fork, (self._conn, target, *args)
        try:
            self._process = context.Process(target=target, args=(theirs, *args), name=name, daemon=True)
            with warnings.catch_warnings():
                if fork:
                    # Python 3.12 warns of any fork in a process with threads: the caller vouches for the copy.
                    warnings.simplefilter("ignore", DeprecationWarning)
                self._process.start()
        except BaseException:
            self._conn.close()
            raise
        finally:
            theirs.close()  # the child has its own copy: once it ends, our reads see the end of the pipe
        self._sender: threading.Thread | None = None
        if payload is not None:
            self._sender = threading.Thread(target=self._send_payload, args=(payload,), name=f"{name}-setup")
            self._sender.start()

    def _send_payload(self, payload: object) -> None:
        with contextlib.suppress(OSError, ValueError):  # a dead child is noticed when we wait for it
            self._conn.send(payload)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def has_message(self) -> bool:
        """Whether a message (or the end of the pipe) is waiting; does not wait. Raises ChildLost if the
        child has exited with nothing to read."""
        if self._conn.poll(0):
            return True
        if not self._process.is_alive():
            raise ChildLost(f"exited with code {self._process.exitcode}")
        return False

    def receive(self, *, timeout_s: float) -> object:
        """The child's next message. Raises ChildLost if the child exits or its pipe breaks first, and
        ChildSilent if it stays alive but sends nothing for timeout_s."""
        deadline = time.monotonic() + timeout_s
        try:
            while not self._conn.poll(POLL_S):
                if not self._process.is_alive():
                    if self._conn.poll(0):  # it answered just before it ended
                        break
                    raise ChildLost(f"exited with code {self._process.exitcode}")
                if time.monotonic() > deadline:
                    raise ChildSilent(f"sent nothing in {timeout_s:.0f} s")
            return self._conn.recv()
        except (OSError, EOFError) as exc:
            raise ChildLost(f"is gone ({exc})") from exc

    def send(self, message: object) -> None:
        """Send a message (only once the child has answered: see the class). Raises ChildLost if its end
        is gone."""
        try:
            self._conn.send(message)
        except (OSError, ValueError) as exc:
            raise ChildLost(f"is gone ({exc})") from exc

    def kill(self) -> None:
        """Stop the child at once (SIGKILL: it may be anywhere, even reading its payload)."""
        if self._process.is_alive():
            self._process.kill()

    def close(self, *, grace_s: float) -> None:
        """Give the child grace_s to end (after a message that tells it to, or `kill`), kill it if it has not,
        and free the pipe. A child that may still be reading its payload must be killed first: otherwise
        this waits until it has read it."""
        if self._sender is not None:
            self._sender.join()  # a killed child's end is closed, so the sender has stopped or soon will
        self._process.join(timeout=grace_s)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=REAP_S)
        self._conn.close()


def _in_fork(conn: Connection, parents_end: Connection, target: Callable[..., None], *args: object) -> None:
    """A forked child: close its copy of the parent's end of the pipe, then run target(conn, *args). Else the
    parent's death would never show as the end of the pipe, and a child waiting on it would wait for ever."""
    parents_end.close()
    target(conn, *args)
