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
    heads = [float(d.decode().split("=head#")[1].split(",")[1]) for _, d in ifm.packets]
    frames, q = [], None  # (T, Head bone) per VMC frame; T is the clip's media time (the stream starts at 0)
    for _, d in vmc.packets:
        for m in osc_messages(d):
            if m.address == "/VMC/Ext/Bone/Pos" and m.params[0] == "Head":
                q = tuple(m.params[4:8])
            elif m.address == "/VMC/Ext/T":  # after the bones of its frame
                frames.append((round(m.params[0], 3), q))
    assert len(frames) == len(heads)  # both outputs got every frame, in the same order
    # frame time -> (iFacialMocap head Y, VMC Head bone): real-time playback may skip different frames per run
    return out, {t: (y, q) for (t, q), y in zip(frames, heads)}


def test_view_flag_reflects_every_output_and_outputs_agree():
    out_m, mirror = _run()
    out_c, camera = _run("--view", "camera")
    assert "mirror view" in out_m and "camera view" in out_c  # the start line says which view each output uses
    both = sorted(set(mirror) & set(camera))
    assert len(both) > 30
    ifm_m, ifm_c = np.array([mirror[t][0] for t in both]), np.array([camera[t][0] for t in both])
    vmc_m, vmc_c = np.array([mirror[t][1] for t in both]), np.array([camera[t][1] for t in both])
    turning = np.abs(ifm_c) > 0.5
    assert turning.sum() > 10
    # reflected; not bit-exact: real-time playback may skip different frames in the two runs, and the smoothing
    # filter's state depends on which frames it saw
    np.testing.assert_allclose(ifm_m, -ifm_c, rtol=0.1, atol=0.5)  # iFacialMocap head Y, degrees
    np.testing.assert_allclose(vmc_m[:, 1], -vmc_c[:, 1], rtol=0.1, atol=0.005)  # VMC Head bone y
    assert np.all(np.sign(ifm_m[turning]) == -np.sign(ifm_c[turning]))
    # within a run, VMC and iFacialMocap turn the avatar the same way: Unity y = -yaw for the avatar's motion
    for ifm, vmc in ((ifm_m, vmc_m), (ifm_c, vmc_c)):
        assert np.all(np.sign(ifm[turning]) == -np.sign(vmc[turning, 1]))
