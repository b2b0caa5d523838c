"""Logging: a rotating file in the user log folder plus a concise stderr; no stacked handlers on re-setup."""

from __future__ import annotations

import io
import logging

import pytest

from vtbridge.daemon.logs import close_logging, setup_logging


@pytest.fixture(autouse=True)
def _cleanup():
    yield
    close_logging()


def test_file_and_concise_stderr(isolated_home):
    err = io.StringIO()
    path = setup_logging(stream=err)
    assert path == isolated_home / "logs" / "vtbridge.log"
    log = logging.getLogger("vtbridge.test")
    log.info("started tracking")
    log.debug("fine detail")
    log.warning("VTS refused the plugin")
    close_logging()
    text = path.read_text(encoding="utf-8")
    assert "INFO vtbridge.test" in text and "started tracking" in text and "fine detail" not in text
    assert "VTS refused the plugin" in text
    assert err.getvalue() == "vtbridge: warning: VTS refused the plugin\n"  # info is not on the terminal


def test_verbose_shows_info_on_stderr_and_debug_in_file(isolated_home):
    err = io.StringIO()
    path = setup_logging(verbose=True, stream=err)
    logging.getLogger("vtbridge.x").debug("dbg line")
    logging.getLogger("vtbridge.x").info("info line")
    close_logging()
    assert "dbg line" in path.read_text() and err.getvalue() == "vtbridge: info line\n"


def test_rotation_keeps_a_bounded_number_of_files(tmp_path):
    setup_logging(log_dir=tmp_path, max_bytes=2000, backups=3, stream=io.StringIO())
    log = logging.getLogger("vtbridge.spam")
    for i in range(400):
        log.info("line %04d %s", i, "x" * 60)
    close_logging()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["vtbridge.log", "vtbridge.log.1", "vtbridge.log.2", "vtbridge.log.3"]
    assert all(p.stat().st_size <= 2100 for p in tmp_path.iterdir())
    assert "line 0399" in (tmp_path / "vtbridge.log").read_text()


def test_setup_twice_does_not_duplicate_lines(tmp_path):
    err = io.StringIO()
    setup_logging(log_dir=tmp_path, stream=err)
    setup_logging(log_dir=tmp_path, stream=err)
    logging.getLogger("vtbridge").error("once")
    assert err.getvalue().count("once") == 1
    assert len([h for h in logging.getLogger("vtbridge").handlers]) == 2
