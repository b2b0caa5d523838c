"""The exported computations, as modules whose ``forward`` is exactly what the ONNX graphs compute.

``SourceGraph`` runs once per portrait: the four encoder features and the nearest-resized source image at the
three motion-net sizes. ``DriveGraph`` runs per frame with everything the source step produced as explicit inputs
(tracing the official caching methods gives a wrong graph): it builds the three 9-channel motion inputs in the
official order (source landmarks, driving landmarks, source image), runs the motion net, warps and decodes. It also
returns the picture as 8-bit BGR, HxWx3 (clamped, ``(x+1)/2*255``, truncated like the official ``tensor2im``), so the
runtime's post-processing is part of the graph. With ``size`` given, the decoder and the motion net are the exactly
rewritten ``fused`` forms (what is exported); without, the networks' own (the reference they are checked against).

``MotionGraph`` and ``DecodeGraph`` are the driving step's two parts, also exported on their own so that a runtime
can run them at different precisions (the OpenVINO backend keeps the motion net in float32 and can run the decoder
in bfloat16).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vtbridge.convert.f2f.fused import FusedDecoder, fused_motion
from vtbridge.convert.f2f.networks import MotionNet, RenderingNet

SOURCE_INPUTS = ("src_image", "src_headpose")
SOURCE_OUTPUTS = ("feat1", "feat2", "feat3", "feat4", "src_small0", "src_small1", "src_small2")
DRIVE_INPUTS = ("src_lmk0", "src_lmk1", "src_lmk2", "drv_lmk0", "drv_lmk1", "drv_lmk2",
                "src_small0", "src_small1", "src_small2", "feat1", "feat2", "feat3", "feat4", "drv_headpose")
DRIVE_OUTPUTS = ("image", "bgr")
MOTION_INPUTS, MOTION_OUTPUTS = DRIVE_INPUTS[:9], ("field",)
DECODE_INPUTS, DECODE_OUTPUTS = ("field",) + DRIVE_INPUTS[9:], DRIVE_OUTPUTS
SCALES = (16, 8, 4)  # landmark-image / motion-net sizes as fractions of the output size


class SourceGraph(nn.Module):
    def __init__(self, rendering: RenderingNet) -> None:
        super().__init__()
        self.rendering = rendering

    def forward(self, src_image: torch.Tensor, src_headpose: torch.Tensor):
        size = src_image.shape[-1]
        smalls = [F.interpolate(src_image, size=(size // k, size // k), mode="nearest") for k in SCALES]
        return (*self.rendering.encode(src_image, src_headpose), *smalls)


class MotionGraph(nn.Module):
    """The driving step's first part: the three 9-channel motion inputs in the official order (source landmarks,
    driving landmarks, source image) -> the finest sampling grid, ``field`` (1, S/4, S/4, 2)."""

    def __init__(self, motion: MotionNet) -> None:
        super().__init__()
        self.motion = motion

    def forward(self, src_lmk0, src_lmk1, src_lmk2, drv_lmk0, drv_lmk1, drv_lmk2, src_small0, src_small1, src_small2):
        inputs = [torch.cat([s, d, i], dim=1) for s, d, i in
                  ((src_lmk0, drv_lmk0, src_small0), (src_lmk1, drv_lmk1, src_small1),
                   (src_lmk2, drv_lmk2, src_small2))]
        return self.motion(*inputs)[2]


class DecodeGraph(nn.Module):
    """The driving step's second part: the cached features warped by ``field`` and decoded under the driving pose
    -> the float picture and its 8-bit BGR form."""

    def __init__(self, rendering: RenderingNet, size: int | None = None) -> None:
        super().__init__()
        self.decode = FusedDecoder(rendering, size) if size else rendering.decode

    def forward(self, field, feat1, feat2, feat3, feat4, drv_headpose):
        image = self.decode((feat1, feat2, feat3, feat4), field, drv_headpose)
        bgr = ((image[0].clamp(-1.0, 1.0) + 1.0) * 127.5).flip(0).permute(1, 2, 0).to(torch.uint8)
        return image, bgr


class DriveGraph(nn.Module):
    """Both parts in one graph (what onnxruntime runs)."""

    def __init__(self, rendering: RenderingNet, motion: MotionNet, size: int | None = None) -> None:
        super().__init__()
        self.motion_part = MotionGraph(fused_motion(motion) if size else motion)
        self.decode_part = DecodeGraph(rendering, size)

    def forward(self, src_lmk0, src_lmk1, src_lmk2, drv_lmk0, drv_lmk1, drv_lmk2, src_small0, src_small1, src_small2,
                feat1, feat2, feat3, feat4, drv_headpose):
        field = self.motion_part(src_lmk0, src_lmk1, src_lmk2, drv_lmk0, drv_lmk1, drv_lmk2,
                                 src_small0, src_small1, src_small2)
        return self.decode_part(field, feat1, feat2, feat3, feat4, drv_headpose)


def source_example(size: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    return (torch.rand(1, 3, size, size, generator=gen) * 2 - 1, random_pose(gen))


def random_pose(gen: torch.Generator) -> torch.Tensor:
    """A head pose in the range the network saw (radians, tx' ~ 0.27, ty' ~ -0.25, s' ~ 0.0012)."""
    r = (torch.rand(1, 3, generator=gen) - 0.5) * 0.6
    t = torch.tensor([[0.27, -0.25]]) + (torch.rand(1, 2, generator=gen) - 0.5) * 0.04
    s = torch.tensor([[0.0012]]) * (0.9 + 0.2 * torch.rand(1, 1, generator=gen))
    return torch.cat([r, t, s], dim=1)


def drive_example(source: SourceGraph, size: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Random landmark images (mostly background, like drawn ones) plus the source step's real outputs."""
    with torch.no_grad():
        outs = source(*source_example(size, gen))
    feats, smalls = outs[:4], outs[4:]
    lmks = []
    for _ in range(2):
        for k in SCALES:
            img = -torch.ones(1, 3, size // k, size // k)
            mask = torch.rand(1, 1, size // k, size // k, generator=gen) < 0.08
            img = torch.where(mask, torch.rand(1, 3, size // k, size // k, generator=gen) * 2 - 1, img)
            lmks.append(img)
    return (*lmks, *smalls, *feats, random_pose(gen))
