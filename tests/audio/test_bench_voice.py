"""`vtbridge bench --voice`: the microphone path's cost and its audio frame -> next packet latency are measured
(figures only; no wall-clock limits here)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import VENDORED_CLIP


def test_bench_voice_reports_analysis_cost_and_audio_to_packet_latency():
    r = subprocess.run([sys.executable, "-m", "vtbridge.cli", "bench", str(VENDORED_CLIP), "--json", "--frames",
                        "60", "--voice"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    voice = report["voice"]
    assert voice["source"] == "synthetic" and voice["samples"] > 10  # many audio frames reached a packet
    assert voice["to_packet"]["p99_ms"] >= voice["to_packet"]["p50_ms"] > 0
    assert voice["analysis_per_hop"]["p50_ms"] > 0
    plain = json.loads(subprocess.run([sys.executable, "-m", "vtbridge.cli", "bench", str(VENDORED_CLIP), "--json",
                                       "--frames", "5"], capture_output=True, text=True, timeout=300).stdout)
    assert "voice" not in plain  # the specified report is unchanged without --voice
