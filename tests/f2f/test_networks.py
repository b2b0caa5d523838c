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


@pytest.mark.parametrize("k", [1, 2, 4, 6, 8])
def test_folded_spade_equals_spade(k):
    """The folded SPADE (one G/B conv, norm folded in) and its row-compacted form for k >= 6 compute exactly what
    the network's SPADE computes, borders included."""
    from vtbridge.convert.f2f.blocks import PoseSpade
    from vtbridge.convert.f2f.fused import FoldedSpade
    from vtbridge.convert.f2f.synthetic import random_state_dict

    gen = torch.Generator().manual_seed(k)
    net = RenderingNet()
    net.load_state_dict(random_state_dict("rendering_net", seed=k))
    spade: PoseSpade = net.eval().de_SPADE_4
    x = torch.randn(1, 52, 16 * k, 16 * k, generator=gen)
    pose_map = torch.randn(1, 32, 16, 16, generator=gen)
    with torch.no_grad():
        want, got = spade(x, pose_map), FoldedSpade(spade)(x, pose_map)
    assert float(want.std()) > 0.1
    assert float((want - got).abs().max()) < 1e-4 * max(1.0, float(want.abs().max()))


def test_fused_decoder_equals_decode():
    from vtbridge.convert.f2f.fused import FusedDecoder
    from vtbridge.convert.f2f.synthetic import random_state_dict

    net = RenderingNet()
    net.load_state_dict(random_state_dict("rendering_net", seed=3))
    net.eval()
    gen = torch.Generator().manual_seed(0)
    size = 128
    feats = [torch.randn(1, c, size // k, size // k, generator=gen).relu() for c, k in
             ((28, 4), (72, 8), (140, 16), (280, 16))]
    grid = torch.rand(1, size // 4, size // 4, 2, generator=gen) * 1.8 - 0.9
    pose = torch.tensor([[0.1, -0.2, 0.05, 0.27, -0.25, 0.0012]])
    with torch.no_grad():
        want, got = net.decode(feats, grid, pose), FusedDecoder(net, size)(feats, grid, pose)
    assert float(want.std()) > 0.02
    assert float((want - got).abs().max()) < 1e-5


def test_fused_motion_equals_motion_net():
    """Up blocks as stride-2 transposed convs: the same sampling grids, borders included."""
    from vtbridge.convert.f2f.fused import fused_motion
    from vtbridge.convert.f2f.synthetic import random_state_dict

    net = MotionNet()
    net.load_state_dict(random_state_dict("motion_net", seed=4))
    net.eval()
    gen = torch.Generator().manual_seed(1)
    ins = [torch.randn(1, 9, s, s, generator=gen) for s in (16, 32, 64)]
    with torch.no_grad():
        want, got = net(*ins), fused_motion(net)(*ins)
    fused = fused_motion(net)
    from vtbridge.convert.f2f.blocks import UpBlock

    assert not any(isinstance(m, UpBlock) for m in fused.modules())
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in fused.modules()) == 8
    for w, g in zip(want, got):
        assert float(w.std()) > 0.05
        assert float((w - g).abs().max()) < 1e-4 * max(1.0, float(w.abs().max()))
