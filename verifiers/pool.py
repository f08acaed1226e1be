"""A persistent pool of worker processes that runs symbolic checks under hard wall-clock limits.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot kill one stuck task without breaking the whole pool.
Here each worker is a process with its own pipe; a task that runs past its timeout gets its worker killed and
replaced, and the caller gets `CheckTimeout`. No signals are used in the calling process, so the pool is safe to
use from any thread (RL reward threads, async code via `asyncio.to_thread`), and a worker that dies (memory cap,
crash) is replaced the same way.

Workers are fresh interpreters started with `subprocess` (no fork: nothing is inherited from a threaded or CUDA
parent, and the caller's `__main__` is never re-imported). They stay alive between checks with SymPy imported,
so each check pays only the IPC cost; worker startup is not charged to a check's timeout. Each worker caps its
address space at `WORKER_MEMORY_BYTES` on Linux, so a runaway expansion fails alone. POSIX only (pipes passed by
file descriptor).

>>> get_pool().run("verifiers.symbolic:judge", ("1/2", "2/4"), timeout=30)
('correct', 'symbolic: identical')
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from verifiers.limits import WORKER_MEMORY_BYTES
from verifiers.verdict import CheckTimeout, VerifierError

__all__ = ["SymbolicPool", "WorkerDied", "WorkerStartError", "default_workers", "get_pool", "reset_pool"]


class WorkerDied(VerifierError):
    """The worker process exited while running a check (memory cap or crash)."""


class WorkerStartError(RuntimeError):
    """A worker could not start: an installation problem, raised to the caller rather than scored."""


def default_workers() -> int:
    """Default pool size: one worker per CPU, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


_STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker to import SymPy and report ready (not a check's budget)
_WORKER_CODE = "import sys; from verifiers.pool import _worker_main; _worker_main(*map(int, sys.argv[1:4]))"


def _worker_main(read_fd: int, write_fd: int, memory_bytes: int) -> None:
    """Worker loop: receive (function, args), send ("ok", result) or ("error", type, message)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # not Linux, or a lower hard limit already applies
    import importlib

    reader, writer = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    importlib.import_module("verifiers.compare")  # pay the SymPy import before reporting ready
    writer.send("ready")
    while True:
        try:
            message = reader.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args = message
        try:
            if isinstance(function, str):  # "module:function", so callers need not import the module
                module_name, _, name = function.partition(":")
                function = getattr(importlib.import_module(module_name), name)
            reply = ("ok", function(*args))
        except Exception as error:  # report any failure of the check to the caller, keep serving
            reply = ("error", type(error).__name__, str(error)[:300])
        try:
            writer.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    """One worker: a fresh interpreter (`python -c`), not a fork, so it inherits no threads, locks or CUDA state,
    and never re-imports the caller's `__main__` (no `if __name__ == "__main__"` guard needed)."""

    def __init__(self):
        child_read, parent_write = os.pipe()
        parent_read, child_write = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p or os.getcwd() for p in sys.path)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE, str(child_read), str(child_write), str(WORKER_MEMORY_BYTES)],
            pass_fds=(child_read, child_write), env=env, stdin=subprocess.DEVNULL,
        )
        os.close(child_read)
        os.close(child_write)
        self.reader = Connection(parent_read, writable=False)
        self.writer = Connection(parent_write, readable=False)
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            ready = self.reader.poll(_STARTUP_TIMEOUT) and self.reader.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise WorkerStartError(
                "a verifier worker process failed to start (its error is on stderr); install the pinned parser "
                "with `pip install -e .` (latex2sympy2_extended[antlr4_13_2]==1.11.0)"
            )
        self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.reader.close()
        self.writer.close()

    def stop(self) -> None:
        try:
            self.writer.send(None)
            self.process.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        if self.alive():
            self.kill()


class SymbolicPool:
    """`size` worker processes, started lazily; `run` is thread-safe and blocks until a worker is free."""

    def __init__(self, size: int | None = None):
        self.size = size or default_workers()
        if self.size < 1:
            raise ValueError("SymbolicPool needs at least one worker; pass size >= 1")
        self._idle: queue.Queue = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(None)  # None = a slot whose worker is not started yet

    def grow(self, size: int) -> None:
        """Add worker slots until the pool has `size` of them (never shrinks)."""
        with self._lock:
            for _ in range(size - self.size):
                self._idle.put(None)
            self.size = max(self.size, size)

    def run(self, function, args: tuple, timeout: float):
        """Run `function(*args)` in a worker; `function` may be a "module:function" string.

        Raises `CheckTimeout` after `timeout` seconds of work (the worker is killed and replaced), `WorkerDied` if
        the worker crashed, `VerifierError` if the function raised, `WorkerStartError` if no worker can start.
        """
        if self._closed:
            raise RuntimeError("this SymbolicPool was closed; create a new one")
        worker = self._idle.get()
        try:
            if worker is None or not worker.alive():
                self._discard(worker)
                worker = self._start()
            worker.wait_ready()  # startup (imports) is not charged to the check's timeout
            worker.writer.send((function, args))
            if not worker.reader.poll(timeout):
                self._discard(worker)
                worker = self._start()  # the replacement imports SymPy while the caller moves on
                raise CheckTimeout(f"symbolic check exceeded {timeout:g} s")
            reply = worker.reader.recv()
        except (EOFError, OSError):
            self._discard(worker)
            worker = None
            raise WorkerDied("the worker process died during the check (memory cap or crash)") from None
        finally:
            self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        raise VerifierError(f"{reply[1]}: {reply[2]}")

    def _start(self) -> _Worker:
        worker = _Worker()
        with self._lock:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def close(self) -> None:
        """Stop every worker; the pool cannot be used afterwards."""
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


_DEFAULT: SymbolicPool | None = None
_DEFAULT_LOCK = threading.Lock()


def get_pool(min_size: int | None = None) -> SymbolicPool:
    """The process-wide shared pool, created on first use (grown, never shrunk, to `min_size` workers)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = SymbolicPool(max(min_size or 0, default_workers()))
        elif min_size and _DEFAULT.size < min_size:
            _DEFAULT.grow(min_size)
        return _DEFAULT


def reset_pool() -> None:
    """Stop the shared pool's workers (and so their parse caches); the next symbolic check starts fresh ones."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is not None:
            _DEFAULT.close()
        _DEFAULT = None


@atexit.register
def _shutdown() -> None:
    if _DEFAULT is not None:
        _DEFAULT.close()
