"""``vtbridge render --mode reenact|stylize`` as a user runs it, with the quality report and the strip picture."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import pytest

from tests.conftest import REPO, VENDORED_CLIP, media
from vtbridge.cli import main


def _count(path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def test_reenact_with_report_and_strip(tmp_path, capsys):
    out, strip = tmp_path / "portrait.mp4", tmp_path / "strip.png"
    assert main(["render", str(media("drive_d3.mp4")), "--out", str(out), "--mode", "reenact", "--portrait",
                 str(media("portrait_s6.jpg")), "--size", "640x360", "--duration", "4", "--report", "--strip",
                 str(strip), "--quiet"]) == 0
    assert _count(out) == 120  # 4 s of a 30 fps clip, every frame
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["frames"] == 120 and report["found"] > 0.95
    assert report["apd"] < 0.6 * report["static_apd"]  # the statue turns with the driver; a still one would not
    assert any(line.startswith("APD ") for line in lines)
    picture = cv2.imread(str(strip))
    assert picture.shape == (360, 1080, 3)  # 6 square tiles of 180 px, driver row above output row


def test_stylize_person_only_over_a_replaced_background(tmp_path):
    out = tmp_path / "painted.png"
    assert main(["render", str(media("portrait_s1.jpg")), "--out", str(out), "--mode", "stylize", "--style",
                 "cartoon", "--style-region", "person", "--background", "#00ff00", "--size", "640x360",
                 "--quiet"]) == 0
    image = cv2.imread(str(out))
    corner = image[5:30, 150:175].reshape(-1, 3).mean(axis=0)  # far from the person: the replaced background
    assert corner[1] > 200 and corner[0] < 60 and corner[2] < 60


@pytest.mark.parametrize("flags, expected", [
    (["--mode", "reenact"], "mode reenact needs a portrait"),
    (["--mode", "reenact", "--portrait", "nowhere.jpg"], "portrait 'nowhere.jpg': file not found"),
    (["--mode", "reenact", "--portrait", "README.md"], "portrait 'README.md': not a readable image"),
    (["--mode", "stylize", "--style", "nosuchstyle"], "style 'nosuchstyle': unknown"),
    (["--mode", "stylize", "--style", "missing.onnx"], "ONNX model 'missing.onnx': file not found"),
])
def test_bad_mode_input_is_one_line_and_exit_1(flags, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "render", str(VENDORED_CLIP), "--out",
                           str(tmp_path / "x.mp4"), *flags], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_report_needs_a_file(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "render", str(VENDORED_CLIP), "--vcam",
                           "--report"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "use them with --out" in proc.stderr


def test_anime_mode_needs_a_character_and_credits_the_author(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    proc = subprocess.run([sys.executable, "-m", "vtbridge.cli", "render", str(VENDORED_CLIP), "--out",
                           str(tmp_path / "x.mp4"), "--mode", "anime"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "mode anime needs a character" in proc.stderr
    assert "Traceback" not in proc.stderr
    page = (REPO / "vtbridge" / "daemon" / "dashboard" / "static" / "index.html").read_text(encoding="utf-8")
    assert "Pramook Khungurn" in page and "CC-BY-4.0" in page  # the attribution CC-BY asks for, where users look


def test_a_small_portrait_is_upscaled_with_a_note(tmp_path, caplog):
    from vtbridge.render import make_renderer
    from vtbridge.render.settings import RenderSettings

    small = tmp_path / "small.png"
    cv2.imwrite(str(small), cv2.resize(cv2.imread(str(media("portrait_s5.jpg"))), (200, 200)))
    with caplog.at_level("WARNING", logger="vtbridge.render"):
        renderer = make_renderer(RenderSettings(mode="reenact", portrait=str(small), width=640, height=360))
    renderer.close()
    assert any("smaller than the output: upscaled" in r.getMessage() for r in caplog.records)
