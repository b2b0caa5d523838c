"""`vtbridge run --view` from outside: the same clip run twice, once in the default (mirror) view and once with
`--view camera`, gives reflected iFacialMocap heads and VMC head bones, frame for frame, and in each run VMC and
iFacialMocap agree on which way the avatar turns."""

from __future__ import annotations

import numpy as np

from tests.conftest import VENDORED_CLIP
from tests.e2e.test_run_udp import Receiver, osc_messages, start_run


def _run(*extra):
    vmc, ifm = Receiver(), Receiver()
    try:
        proc = start_run("--source", VENDORED_CLIP, "--no-loop", "--no-dashboard", "--status-interval", "0",
                         "--duration", "6", "--vmc", f"127.0.0.1:{vmc.port}", "--ifm", f"127.0.0.1:{ifm.port}",
                         *extra)
        out, _ = proc.communicate(timeout=120)
    finally:
        vmc.close()
        ifm.close()
    assert proc.returncode == 0, out
    heads = [float(v) for _, d in ifm.packets for v in [d.decode().split("=head#")[1].split(",")[1]]]
    bones = [tuple(m.params[4:8]) for _, d in vmc.packets for m in osc_messages(d)
             if m.address == "/VMC/Ext/Bone/Pos" and m.params[0] == "Head"]
    return out, np.array(heads), np.array(bones)


def test_view_flag_reflects_every_output_and_outputs_agree():
    out_m, ifm_m, vmc_m = _run()
    out_c, ifm_c, vmc_c = _run("--view", "camera")
    assert "mirror view" in out_m and "camera view" in out_c  # the start line says which view each output uses
    n = min(len(ifm_m), len(ifm_c), len(vmc_m), len(vmc_c))
    assert n > 30
    turning = np.abs(ifm_c[:n]) > 0.5
    assert turning.sum() > 10
    np.testing.assert_allclose(ifm_m[:n], -ifm_c[:n], atol=1e-3)  # iFacialMocap Y reflected
    np.testing.assert_allclose(vmc_m[:n, 1], -vmc_c[:n, 1], atol=1e-5)  # VMC head y reflected
    # within a run, VMC and iFacialMocap turn the avatar the same way: Unity y = -yaw for the avatar's motion
    for ifm, vmc in ((ifm_m, vmc_m), (ifm_c, vmc_c)):
        assert np.all(np.sign(ifm[:n][turning]) == -np.sign(vmc[:n, 1][turning]))
