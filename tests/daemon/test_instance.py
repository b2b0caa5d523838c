"""Single-instance lock: a second start is refused with the first one's pid and dashboard URL; a dead holder's
lock is free again (the kernel drops it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from vtbridge.daemon.instance import AlreadyRunning, InstanceLock, read_info

HOLDER = textwrap.dedent("""
    import sys, time
    from vtbridge.daemon.instance import InstanceLock
    lock = InstanceLock()
    lock.acquire()
    lock.set_dashboard_url("http://127.0.0.1:4567/?token=abc")
    print("locked", flush=True)
    sys.stdin.readline()  # hold until the test says so (or dies)
    lock.release()
    print("released", flush=True)
""")


def start_holder():
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_process_is_refused_with_pid_and_url(isolated_home):
    proc = start_holder()
    try:
        with pytest.raises(AlreadyRunning) as err:
            InstanceLock().acquire()
        assert err.value.pid == proc.pid
        assert str(err.value) == (f"vtbridge is already running (pid {proc.pid}); its dashboard is at "
                                  f"http://127.0.0.1:4567/?token=abc")
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "released"
        assert proc.wait(10) == 0
        with InstanceLock() as lock:  # free again
            assert lock.held and read_info()["pid"] == os.getpid()
        assert read_info() == {}  # the note goes with the lock
    finally:
        proc.kill()


def test_lock_of_a_killed_process_is_free(isolated_home):
    proc = start_holder()
    proc.kill()
    proc.wait(10)
    with InstanceLock() as lock:
        assert lock.held
        assert read_info()["pid"] == os.getpid()  # the stale note was replaced


def test_same_process_second_lock_refused_without_url(isolated_home):
    with InstanceLock() as first:
        with pytest.raises(AlreadyRunning, match=rf"already running \(pid {os.getpid()}\); use its tray icon"):
            InstanceLock().acquire()
        first.set_dashboard_url("http://127.0.0.1:1/?token=t")
        with pytest.raises(AlreadyRunning, match="its dashboard is at http://127.0.0.1:1/"):
            InstanceLock().acquire()
    assert not first.held
    InstanceLock().acquire()  # released on exit


def test_lock_lives_in_user_state_dir(isolated_home):
    lock = InstanceLock()
    assert lock.lock_path.parent == isolated_home / "state"
    lock.acquire()
    assert lock.lock_path.exists() and lock.info_path.exists()
    lock.release()
    lock.release()  # idempotent
    assert lock.lock_path.exists()  # never deleted (see module docstring)
