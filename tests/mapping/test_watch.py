"""Hot reload with a fake clock: a change is seen on the first poll after poll_interval (0.25 s < 1 s), a broken
edit is reported once while the last good profile stays active, and a fix applies."""

from __future__ import annotations

import json
import os

import pytest

from vtbridge import paths
from vtbridge.mapping.profile import ProfileError
from vtbridge.mapping.watch import ProfileWatcher

from .helpers import face, write


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def save(path, doc, bump: int):
    """Write and give the file a distinct mtime (filesystems with coarse timestamps would otherwise hide it)."""
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_reload_within_interval_and_broken_edit(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"X": "jawOpen"}})
    errors: list[str] = []
    clock = FakeClock()
    w = ProfileWatcher(path, on_error=errors.append, poll_interval=0.25, clock=clock)
    assert w.current.output_names == ("X",)
    assert w.mapper.process(face(jawOpen=0.5)).values[0] == pytest.approx(0.5)

    save(path, {"outputs": {"X": "jawOpen * 2", "Y": "1"}}, bump=1)
    clock.now += 0.1
    assert w.poll() is False  # throttled: no stat before poll_interval
    clock.now += 0.2  # 0.3 s after the save: well within 1 s
    assert w.poll() is True
    assert w.current.output_names == ("X", "Y")
    assert w.mapper.process(face(jawOpen=0.5)).values[0] == pytest.approx(1.0)

    save(path, '{"outputs": {"X": "jawOpen *"}}', bump=2)
    good = w.current
    for _ in range(5):
        clock.now += 0.3
        assert w.poll() is False
    assert len(errors) == 1 and str(path) in errors[0] and "/outputs/X" in errors[0]
    assert w.current is good and w.last_error == errors[0]

    save(path, '{"outputs": {"X": "jawOpen +"}}', bump=3)  # a different broken version: reported again
    clock.now += 0.3
    w.poll()
    assert len(errors) == 2

    save(path, {"outputs": {"Z": "3"}}, bump=4)
    clock.now += 0.3
    assert w.poll() is True
    assert w.current.output_names == ("Z",) and w.last_error is None
    assert len(errors) == 2


def test_parent_change_reloads_child(tmp_path):
    parent = write(tmp_path, "parent", {"outputs": {"A": "1"}})
    child = write(tmp_path, "child", {"extends": "parent.json", "outputs": {"B": "A + 1"}})
    clock = FakeClock()
    w = ProfileWatcher(child, poll_interval=0.25, clock=clock)
    save(parent, {"outputs": {"A": "10"}}, bump=1)
    clock.now += 0.25
    assert w.poll() is True
    assert w.mapper.process(face()).as_dict() == {"A": 10, "B": 11}


def test_user_profile_created_later_shadows_shipped():
    clock = FakeClock()
    w = ProfileWatcher("arkit", poll_interval=0.25, clock=clock)
    assert len(w.current.output_names) == 52
    folder = paths.user_profiles_dir()
    folder.mkdir(parents=True)
    write(folder, "arkit", {"outputs": {"only": "jawOpen"}})
    clock.now += 1
    assert w.poll() is True and w.current.output_names == ("only",)


def test_initial_broken_profile_raises(tmp_path):
    path = write(tmp_path, "p", "{")
    with pytest.raises(ProfileError):
        ProfileWatcher(path)


def test_real_clock_poll_is_cheap_between_checks(tmp_path):
    path = write(tmp_path, "p", {"outputs": {"X": "1"}})
    w = ProfileWatcher(path, poll_interval=1000)
    save(path, {"outputs": {"X": "2"}}, bump=1)
    assert w.poll() is False  # interval not reached: nothing stat'ed
    assert w.check() is True  # an explicit check sees it


@pytest.mark.parametrize("edit", [{"outputs": {}}, {"name": "x"}, '{"outputs": {"X": NaN}}',
                                  {"outputs": {f"O{i}": "jawOpen" for i in range(300)}}])
def test_hot_reload_refuses_an_edit_that_would_freeze_or_flood_the_avatar(tmp_path, edit):
    """An emptied profile used to be accepted: every blend value stopped and the avatar froze."""
    path = write(tmp_path, "p", {"outputs": {"X": "jawOpen"}})
    errors: list[str] = []
    clock = FakeClock()
    w = ProfileWatcher(path, on_error=errors.append, poll_interval=0.25, clock=clock)
    save(path, edit, bump=1)
    clock.now += 0.3
    assert w.poll() is False
    assert len(errors) == 1 and str(path) in errors[0]
    assert w.current.output_names == ("X",)
    assert w.mapper.process(face(jawOpen=0.5)).values[0] == pytest.approx(0.5)
