"""Exact rewrites of the per-frame decoder for export: the same function as ``RenderingNet.decode`` with less work.

- **SPADE folded** (``FoldedSpade``): ``BN(x) * (1 + gamma(s)) + beta(s)`` with a parameter-free BatchNorm is
  ``x * G(s) + B(s)``, where G and B are one convolution (the norm's scale and shift and the ``1 +`` moved into
  its weights and bias). One conv instead of two, no norm pass, no ``1 +`` pass.
- **Row compaction** where the 16x16 pose map is nearest-upsampled by k >= 6 (the last decoder SPADE at 512:
  k = 8). In a k-row block of the upsampled map, the 3x3 shared conv gives only three distinct rows (first,
  interior, last) and the 3x3 G/B conv five (first, second, interior, second-to-last, last). Both convs run on
  a map with five rows per block (the pose map upsampled 5x vertically: each output row sees exactly the rows its
  full-size counterpart sees, zero padding included), and one row gather expands G and B to the full height.
  At 512 this removes 0.46 of 1.28 GMAC in that layer.
- **Motion-net up blocks as transposed convs** (``upsampling_conv``): a 3x3 conv of a nearest 2x-upsampled map
  sees, for each output phase, two rows and two columns of the small map, so it is a stride-2 4x4 transposed conv
  of the small map (kernel rows ``w2, w1+w2, w0+w1, w0``, same for columns; BatchNorm folded in): 4 taps per output
  instead of 9, and no upsampled copy. Exact, borders included.
- **Tail fused** (``FusedTail``): the last block's 1x1 projection and BatchNorm are linear, and so is the final
  3x3 conv, so they are one 3x3 conv on the 8-channel map; the projection's constant term, which the final conv's
  zero padding cuts at the borders, becomes a precomputed constant map (exact at the borders too).

Every conversion checks the exported graphs against the unrewritten networks (``graphs.DriveGraph`` without a size).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from vtbridge.convert.f2f.blocks import MobileBlock, PoseSpade, UpBlock
from vtbridge.convert.f2f.networks import MotionNet, RenderingNet, warp

COMPACT_FROM = 6  # upsampling factor from which row compaction saves work (5 distinct rows per block)


def _conv(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Conv2d:
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[-1], padding=weight.shape[-1] // 2,
                     bias=bias is not None)
    conv.weight.data = weight.detach().clone()
    if bias is not None:
        conv.bias.data = bias.detach().clone()
    return conv


def compact_rows(k: int, blocks: int) -> torch.Tensor:
    """For each full-size row of ``blocks`` k-row blocks, its row in the 5-rows-per-block compact map."""
    pattern = [0, 1] + [2] * (k - 4) + [3, 4]
    return torch.tensor([5 * b + j for b in range(blocks) for j in pattern], dtype=torch.int64)


class FoldedSpade(nn.Module):
    def __init__(self, spade: PoseSpade) -> None:
        super().__init__()
        norm = spade.param_free_norm
        a = 1.0 / torch.sqrt(norm.running_var + norm.eps)
        b = -norm.running_mean * a
        wg, bg = spade.mlp_gamma.weight, spade.mlp_gamma.bias
        wb, bb = spade.mlp_beta.weight, spade.mlp_beta.bias
        self.channels = wg.shape[0]
        self.mlp_shared = spade.mlp_shared
        self.mlp_gb = _conv(torch.cat([a[:, None, None, None] * wg, b[:, None, None, None] * wg + wb]),
                            torch.cat([a * (1 + bg), b * (1 + bg) + bb]))

    def forward(self, x: torch.Tensor, pose_map: torch.Tensor) -> torch.Tensor:
        (h, w), (ph, pw) = x.shape[-2:], pose_map.shape[-2:]
        k = h // ph
        if k >= COMPACT_FROM and h == k * ph:
            shared = self.mlp_shared(F.interpolate(pose_map, size=(5 * ph, w), mode="nearest"))
            gb = torch.index_select(self.mlp_gb(shared), 2, compact_rows(k, ph))
        else:
            if (h, w) != (ph, pw):
                pose_map = F.interpolate(pose_map, size=(h, w), mode="nearest")
            gb = self.mlp_gb(self.mlp_shared(pose_map))
        return x * gb[:, :self.channels] + gb[:, self.channels:]


_PHASE_TAPS = ([2], [1, 2], [0, 1], [0])  # 3x3 kernel rows feeding each row of the 4-row transposed kernel


def upsampling_conv(block: UpBlock) -> nn.Sequential:
    """``relu(BN(conv3x3(nearest_up2(x))))`` as ``relu(conv_transpose4x4_stride2(x))``."""
    w = block.conv.weight  # (out, in, 3, 3)
    kernel = torch.stack([torch.stack([sum(w[:, :, dy, dx] for dy in _PHASE_TAPS[ky] for dx in _PHASE_TAPS[kx])
                                       for kx in range(4)], dim=-1) for ky in range(4)], dim=-2)
    norm = block.norm
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    up = nn.ConvTranspose2d(w.shape[1], w.shape[0], 4, stride=2, padding=1)
    up.weight.data = (kernel * scale[:, None, None, None]).transpose(0, 1).contiguous().detach().clone()
    up.bias.data = (norm.bias + (block.conv.bias - norm.running_mean) * scale).detach().clone()
    return nn.Sequential(up, nn.ReLU())


def fused_motion(motion: MotionNet) -> MotionNet:
    """A copy of ``motion`` with every up block as its transposed conv (the same function)."""
    fused = copy.deepcopy(motion)
    for seq in (m for m in fused.modules() if isinstance(m, nn.Sequential)):
        for i, child in enumerate(seq):
            if isinstance(child, UpBlock):
                seq[i] = upsampling_conv(child)
    return fused


class FusedTail(nn.Module):
    """The last decoder block (depthwise, BN, ReLU, 1x1 projection, BN) and the final conv + tanh."""

    def __init__(self, block: MobileBlock, final: nn.Conv2d, size: int) -> None:
        super().__init__()
        seq = block.conv  # expand == 1: depthwise (0-2), projection (3), its norm (4)
        self.depthwise = nn.Sequential(seq[0], seq[1], seq[2])
        proj, norm = seq[3], seq[4]
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        shift = norm.bias - norm.running_mean * scale
        project = proj.weight[:, :, 0, 0] * scale[:, None]  # (16, 8)
        self.de_conv_block = _conv(torch.einsum("ojyx,ji->oiyx", final.weight, project), None)
        plane = shift[None, :, None, None].expand(1, -1, size, size)
        self.register_buffer("constant", F.conv2d(plane, final.weight, padding=1).detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.de_conv_block(self.depthwise(x)) + self.constant)


class FusedDecoder(nn.Module):
    """``RenderingNet.decode`` at one output ``size`` with the rewrites above; shares the network's modules."""

    def __init__(self, rendering: RenderingNet, size: int) -> None:
        super().__init__()
        r = rendering
        self.drv_headpose_encoder = r.drv_headpose_encoder
        self.spade = nn.ModuleList(FoldedSpade(s) for s in (r.de_SPADE_1, r.de_SPADE_2, r.de_SPADE_3, r.de_SPADE_4))
        self.de_res_block, self.de_up_block1, self.de_up_block2 = r.de_res_block, r.de_up_block1, r.de_up_block2
        self.de_up_block3 = nn.Sequential(r.de_up_block3[0], r.de_up_block3[1])
        self.tail = FusedTail(r.de_up_block3[2][0][0], r.de_conv_block[0], size)

    def forward(self, features: tuple[torch.Tensor, ...], grid: torch.Tensor, drv_pose: torch.Tensor) -> torch.Tensor:
        f1, f2, f3, f4 = (warp(f, grid) for f in features)
        pose = self.drv_headpose_encoder(drv_pose)
        x = self.de_res_block(F.relu(self.spade[0](f4, pose)))
        x = self.de_up_block1(F.relu(self.spade[1](torch.cat([x, f3], dim=1), pose)))
        x = self.de_up_block2(F.relu(self.spade[2](torch.cat([x, f2], dim=1), pose)))
        x = self.de_up_block3(F.relu(self.spade[3](torch.cat([x, f1], dim=1), pose)))
        return self.tail(x)


__all__ = ["FoldedSpade", "FusedDecoder", "FusedTail", "compact_rows", "fused_motion", "upsampling_conv"]
