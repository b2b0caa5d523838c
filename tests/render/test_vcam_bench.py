"""``vtbridge bench --vcam`` adds the virtual camera's stages, in order, with ratios to face inference."""

from __future__ import annotations

import json

from tests.conftest import VENDORED_CLIP
from vtbridge.bench import run_bench
from vtbridge.cli import main
from vtbridge.render.settings import RenderSettings


def test_vcam_stages_follow_the_tracking_stages_with_ratios():
    report = run_bench(str(VENDORED_CLIP), frames=12, progress=False,
                       vcam=RenderSettings(blur=40, frame="auto", light="auto", width=640, height=360))
    names = list(report["stages"])
    assert names[-4:] == ["segment", "composite", "effects", "sink"]
    assert names.index("inference") < names.index("segment")
    for name in ("segment", "composite", "effects", "sink"):
        stage = report["stages"][name]
        assert stage["mean_ms"] > 0 and stage["ratio_to_inference"] > 0
    assert report["vcam"]["size"] == "640x360" and "blur 40" in report["vcam"]["effects"]


def test_bench_cli_takes_the_render_flags(capsys):
    assert main(["bench", str(VENDORED_CLIP), "--frames", "8", "--json", "--vcam", "--background", "green",
                 "--size", "640x360"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "segment" in report["stages"] and report["vcam"]["effects"].startswith("passthrough 640x360")
    assert main(["bench", str(VENDORED_CLIP), "--frames", "4", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "segment" not in plain["stages"] and "vcam" not in plain
