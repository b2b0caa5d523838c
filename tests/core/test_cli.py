"""The command line as a user runs it: real subprocesses, real output files, no tracebacks for user errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import pytest

from tests.conftest import VENDORED_CLIP
from vtbridge.frames import ARKIT_NAMES


def vtbridge(*args, cwd=None, timeout=300):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "vtbridge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


def test_track_writes_one_json_object_per_frame_and_a_preview(tmp_path):
    out, preview = tmp_path / "d20.jsonl", tmp_path / "d20.mp4"
    r = vtbridge("track", VENDORED_CLIP, "--out", out, "--preview", preview)
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 175
    first = json.loads(lines[0])
    assert set(first) == {"t", "face", "blendshapes", "head", "gaze"}
    assert list(first["blendshapes"]) == list(ARKIT_NAMES)
    assert set(first["head"]) == {"yaw", "pitch", "roll", "x", "y", "z"}
    assert set(first["gaze"]) == {"left_yaw", "left_pitch", "right_yaw", "right_pitch"}
    assert sum(json.loads(l)["face"] for l in lines) >= 0.99 * 175
    cap = cv2.VideoCapture(str(preview))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 175
    ok, frame = cap.read()
    assert ok and frame.shape[1] > 480  # the frame plus the blendshape panel
    assert "175 frames" in r.stderr and "Traceback" not in r.stderr


def test_track_no_filter_and_mirror_change_the_output(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert vtbridge("track", VENDORED_CLIP, "--out", a, "--no-filter", "--quiet").returncode == 0
    assert vtbridge("track", VENDORED_CLIP, "--out", b, "--no-filter", "--mirror", "--quiet").returncode == 0
    fa = [json.loads(l) for l in a.read_text().splitlines()]
    fb = [json.loads(l) for l in b.read_text().splitlines()]
    yaws = [(x["head"]["yaw"], y["head"]["yaw"]) for x, y in zip(fa, fb) if x["face"] and y["face"]]
    assert sum(abs(p + q) for p, q in yaws) / len(yaws) < 2.0 < sum(abs(p) for p, _ in yaws) / len(yaws)


@pytest.mark.parametrize("make,expected", [
    (lambda d: d / "missing.mp4", "file not found"),
    (lambda d: (d / "x.txt").write_text("hi") and d / "x.txt", "neither a readable video nor an image"),
    (lambda d: "31", "camera 31 not found"),
])
def test_user_errors_are_one_line_and_nonzero(tmp_path, make, expected):
    r = vtbridge("track", make(tmp_path), "--out", tmp_path / "o.jsonl")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and expected in r.stderr
    assert len([l for l in r.stderr.splitlines() if l.startswith("vtbridge: error:")]) == 1


def test_an_image_with_no_face_is_an_error(tmp_path):
    import numpy as np

    img = tmp_path / "wall.png"
    cv2.imwrite(str(img), np.full((200, 200, 3), 200, np.uint8))
    r = vtbridge("track", img, "--out", tmp_path / "o.jsonl")
    assert r.returncode == 1 and "no face found in image" in r.stderr and "Traceback" not in r.stderr


def test_bench_json_has_every_stage_as_a_ratio_to_inference():
    r = vtbridge("bench", VENDORED_CLIP, "--json", "--frames", "40")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert set(report) == {"frames", "fps", "cpu_ms_per_frame", "rss_mb", "stages", "latency"}  # as specified
    assert report["frames"] == 40 and report["fps"] > 0 and report["cpu_ms_per_frame"] > 0 and report["rss_mb"] > 0
    stages = report["stages"]
    for name in ("decode", "inference", "track", "filter", "render"):
        assert set(stages[name]) == {"p50_ms", "p99_ms", "mean_ms", "ratio_to_inference"}
    assert stages["inference"]["ratio_to_inference"] == 1.0
    assert report["latency"]["p99_ms"] >= report["latency"]["p50_ms"] > 0
