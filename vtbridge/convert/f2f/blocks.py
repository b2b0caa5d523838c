"""Building blocks of the Face2FaceRHO networks, written so that ``state_dict()`` names and shapes are exactly
those of the official checkpoints (attribute names and ``nn.Sequential`` indices are part of the file format).

Behaviour follows the facts in ``docs/f2f.md`` (read from the official code, BSD-3-Clause): MobileNetV2 inverted
residuals with BatchNorm, SPADE normalisation conditioned on a head-pose embedding, stride-2 down blocks, nearest
up blocks and plain residual blocks in the motion net.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MobileBlock(nn.Module):
    """MobileNetV2 inverted residual. ``conv`` indices: expand (0-2), depthwise (3-5), project (6, norm 7); with
    ``expand == 1`` only depthwise (0-2) and project (3, norm 4). The projection norm is dropped when
    ``final_norm`` is False unless the block is residual (stride 1 and same width), where it is always kept."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int, final_norm: bool = True) -> None:
        super().__init__()
        hidden = int(cin * expand)
        self.residual = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   nn.ReLU(), nn.Conv2d(hidden, cout, 1, 1, 0, bias=False)]
        if final_norm or self.residual:
            layers.append(nn.BatchNorm2d(cout))
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return x + y if self.residual else y


def encoder_stage(cin: int, cout: int, expand: int, repeat: int, stride: int, final_norm: bool = True) -> nn.Sequential:
    """``repeat`` blocks, the first one strided. Wrapped twice (``stage.0.<i>``) as the checkpoints are. A stage of
    one block takes ``final_norm`` on that block; a longer stage keeps the first block's norm."""
    blocks = []
    for i in range(repeat):
        first = i == 0
        keep = final_norm if (not first or repeat == 1) else True
        blocks.append(MobileBlock(cin if first else cout, cout, stride if first else 1, expand, keep))
    return nn.Sequential(nn.Sequential(*blocks))


def decoder_stage(cin: int, cout: int, expand: int, repeat: int, upsample: bool,
                  final_norm: bool = True) -> nn.Sequential:
    """``repeat`` stride-1 blocks, then (``upsample``) a parameter-free nearest 2x upsampling as the last element."""
    layers: list[nn.Module] = [MobileBlock(cin if i == 0 else cout, cout, 1, expand, final_norm) for i in range(repeat)]
    if upsample:
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    return nn.Sequential(nn.Sequential(*layers))


class PoseEncoder(nn.Module):
    """6-D head pose -> a 32-channel 16x16 map: transposed conv 1->4 px (BN, ReLU), then 4->16 px."""

    def __init__(self, pose_dims: int = 6, ngf: int = 8) -> None:
        super().__init__()
        self.embedding_module1 = nn.Sequential(nn.ConvTranspose2d(pose_dims, ngf * 8, 4, 1, 0, bias=False),
                                               nn.BatchNorm2d(ngf * 8), nn.ReLU())
        self.embedding_module2 = nn.Sequential(nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 4, 0, bias=False))

    def forward(self, pose: torch.Tensor) -> torch.Tensor:
        return self.embedding_module2(self.embedding_module1(pose[:, :, None, None]))


def resize_nearest(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    if x.shape[-2:] == like.shape[-2:]:
        return x
    return F.interpolate(x, size=tuple(like.shape[-2:]), mode="nearest")


class PoseSpade(nn.Module):
    """SPADE: parameter-free BatchNorm, then a per-pixel scale and shift predicted from the pose map (nearest-
    resized to the feature's size)."""

    def __init__(self, channels: int, cond_channels: int = 32) -> None:
        super().__init__()
        hidden = cond_channels * 2
        self.param_free_norm = nn.BatchNorm2d(channels, affine=False)
        self.mlp_shared = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.mlp_beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, pose_map: torch.Tensor) -> torch.Tensor:
        shared = self.mlp_shared(resize_nearest(pose_map, x))
        return self.param_free_norm(x) * (1 + self.mlp_gamma(shared)) + self.mlp_beta(shared)


class DownBlock(nn.Module):
    """4x4 stride-2 conv, BN, ReLU (motion net)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 4, stride=2, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x)))


class UpBlock(nn.Module):
    """Nearest 2x upsampling, 3x3 conv, BN, ReLU (motion net)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))))


class ResBlock(nn.Module):
    """x + conv2(relu(norm(conv1(x)))): the second conv is not normalised."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.norm(self.conv1(x))))
