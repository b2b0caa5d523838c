"""Our PyTorch networks carry exactly the official checkpoints' state_dict: every name, shape, dtype, in order."""

from __future__ import annotations

import json

import pytest

from tests.f2f.conftest import F2F_DATA

torch = pytest.importorskip("torch", reason="the convert extra (torch) is not installed")

from vtbridge.convert.f2f.networks import MotionNet, RenderingNet  # noqa: E402

SPEC = json.loads((F2F_DATA / "face2facerho_state_dict.json").read_text())["files"]


@pytest.mark.parametrize("file, cls", [("105_rendering_net.pth", RenderingNet), ("105_motion_net.pth", MotionNet)])
def test_state_dict_matches_official_layout(file, cls):
    ours = [(k, list(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in cls().state_dict().items()]
    theirs = [(name, shape, dtype) for name, shape, dtype, _ in SPEC[file]["state_dict"]]
    assert ours == theirs
    net = cls()
    assert sum(p.numel() for p in net.parameters()) == SPEC[file]["num_parameters"]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == SPEC[file]["num_batchnorm_modules"]


def test_shapes_through_the_networks():
    r, m = RenderingNet().eval(), MotionNet().eval()
    with torch.no_grad():
        feats = r.encode(torch.zeros(1, 3, 256, 256), torch.zeros(1, 6))
        assert [tuple(f.shape) for f in feats] == [(1, 28, 64, 64), (1, 72, 32, 32), (1, 140, 16, 16),
                                                   (1, 280, 16, 16)]
        fields = m(torch.zeros(1, 9, 16, 16), torch.zeros(1, 9, 32, 32), torch.zeros(1, 9, 64, 64))
        assert [tuple(f.shape) for f in fields] == [(1, 16, 16, 2), (1, 32, 32, 2), (1, 64, 64, 2)]
        out = r.decode(feats, fields[2], torch.zeros(1, 6))
        assert tuple(out.shape) == (1, 3, 256, 256) and float(out.abs().max()) <= 1.0
