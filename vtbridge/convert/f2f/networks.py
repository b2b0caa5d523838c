"""The two Face2FaceRHO inference networks with the official checkpoints' layout (test config: 512 output,
6-D pose, MobileNetV2 widths 16,8,12,28,64,72,140,280 / 16,8,14,24,64,96,140,280).

``RenderingNet.encode`` is the per-portrait part (four pose-conditioned encoder features), ``RenderingNet.decode``
the per-frame part (features warped by the motion field, decoded under the driving pose). ``MotionNet`` maps three
9-channel inputs (source landmark image, driving landmark image, nearest-resized source image at 1/16, 1/8, 1/4 of
the output size) to absolute ``grid_sample`` grids at those sizes, coarse to fine.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vtbridge.convert.f2f.blocks import (DownBlock, MobileBlock, PoseEncoder, PoseSpade, ResBlock, UpBlock,
                                         decoder_stage, encoder_stage)

ENCODER = (16, 8, 12, 28, 64, 72, 140, 280)
DECODER = (16, 8, 14, 24, 64, 96, 140, 280)
REPEATS = (1, 2, 2, 2, 2, 2, 1)
EXPAND = (1, 6, 6, 6, 6, 6, 6)
POSE_DIMS = 6


def warp(feature: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``grid_sample`` (bilinear, zero padding, align_corners=False) with the grid nearest-resized to the feature."""
    if grid.shape[1:3] != feature.shape[-2:]:
        grid = F.interpolate(grid.permute(0, 3, 1, 2), size=tuple(feature.shape[-2:]), mode="nearest")
        grid = grid.permute(0, 2, 3, 1)
    return F.grid_sample(feature, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


class RenderingNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        en, de, n, t = ENCODER, DECODER, REPEATS, EXPAND
        self.src_headpose_encoder = PoseEncoder(POSE_DIMS)
        self.drv_headpose_encoder = PoseEncoder(POSE_DIMS)
        self.en_conv_block = nn.Sequential(nn.Conv2d(3, en[0], 3, 1, 1, bias=False), nn.BatchNorm2d(en[0]), nn.ReLU())
        self.en_down_block1 = nn.Sequential(encoder_stage(en[0], en[1], t[0], n[0], 1),
                                            encoder_stage(en[1], en[2], t[1], n[1], 2),
                                            encoder_stage(en[2], en[3], t[2], n[2], 2, final_norm=False))
        self.en_SPADE1 = PoseSpade(en[3])
        self.en_down_block2 = nn.Sequential(encoder_stage(en[3], en[4], t[3], n[3], 2),
                                            encoder_stage(en[4], en[5], t[4], n[4], 1, final_norm=False))
        self.en_SPADE_2 = PoseSpade(en[5])
        self.en_down_block3 = nn.Sequential(encoder_stage(en[5], en[6], t[5], n[5], 2, final_norm=False))
        self.en_SPADE_3 = PoseSpade(en[6])
        self.en_res_block = nn.Sequential(encoder_stage(en[6], en[7], t[6], n[6], 1, final_norm=False))
        self.en_SPADE_4 = PoseSpade(en[7])

        self.de_SPADE_1 = PoseSpade(de[7])
        self.de_res_block = nn.Sequential(decoder_stage(en[7], de[6], t[6], n[6], False, final_norm=False))
        self.de_SPADE_2 = PoseSpade(de[6] + en[6])
        self.de_up_block1 = nn.Sequential(decoder_stage(de[6] + en[6], de[5], t[5], n[5], True))
        self.de_SPADE_3 = PoseSpade(de[5] + en[5])
        self.de_up_block2 = nn.Sequential(decoder_stage(de[5] + en[5], de[4], t[4], n[4], False),
                                          decoder_stage(de[4], de[3], t[3], n[3], True))
        self.de_SPADE_4 = PoseSpade(de[3] + en[3])
        self.de_up_block3 = nn.Sequential(decoder_stage(de[3] + en[3], de[2], t[2], n[2], True),
                                          decoder_stage(de[2], de[1], t[1], n[1], True),
                                          decoder_stage(de[1], de[0], t[0], n[0], False))
        self.de_conv_block = nn.Sequential(nn.Conv2d(de[0], 3, 3, 1, 1, bias=False), nn.Tanh())

    def encode(self, src_img: torch.Tensor, src_pose: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The four cached source features (x2_in, x3_in, x4_in, de_x4_in): 1/4, 1/8, 1/16, 1/16 of the size."""
        pose = self.src_headpose_encoder(src_pose)
        x1 = self.en_down_block1(self.en_conv_block(src_img))
        f1 = F.relu(self.en_SPADE1(x1, pose))
        f2 = F.relu(self.en_SPADE_2(self.en_down_block2(f1), pose))
        f3 = F.relu(self.en_SPADE_3(self.en_down_block3(f2), pose))
        f4 = F.relu(self.en_SPADE_4(self.en_res_block(f3), pose))
        return f1, f2, f3, f4

    def decode(self, features: tuple[torch.Tensor, ...], grid: torch.Tensor, drv_pose: torch.Tensor) -> torch.Tensor:
        """RGB in [-1, 1] at 4x the first feature's size, from the source features warped by ``grid``."""
        f1, f2, f3, f4 = (warp(f, grid) for f in features)
        pose = self.drv_headpose_encoder(drv_pose)
        x = self.de_res_block(F.relu(self.de_SPADE_1(f4, pose)))
        x = torch.cat([x, f3], dim=1)
        x = self.de_up_block1(F.relu(self.de_SPADE_2(x, pose)))
        x = torch.cat([x, f2], dim=1)
        x = self.de_up_block2(F.relu(self.de_SPADE_3(x, pose)))
        x = torch.cat([x, f1], dim=1)
        x = self.de_up_block3(F.relu(self.de_SPADE_4(x, pose)))
        return self.de_conv_block(x)

    def forward(self, src_img, motion_field, src_headpose, drv_headpose):
        return self.decode(self.encode(src_img, src_headpose), motion_field, drv_headpose)


class MotionNet(nn.Module):
    """Three-level motion net (ngf 16, two local enhancers, three residual blocks each)."""

    def __init__(self) -> None:
        super().__init__()
        self.f1_model = nn.Sequential(nn.Conv2d(9, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      DownBlock(64, 128), DownBlock(128, 256), UpBlock(256, 128), UpBlock(128, 64))
        self.f1_motion = nn.Conv2d(64, 2, 3, padding=1)
        for level, width in ((1, 32), (2, 16)):
            setattr(self, f"model{level}_1", nn.Sequential(DownBlock(9, width * 2)))
            setattr(self, f"model{level}_2", nn.Sequential(
                DownBlock(width * 2, width * 4), DownBlock(width * 4, width * 8),
                *[ResBlock(width * 8) for _ in range(3)],
                UpBlock(width * 8, width * 4), UpBlock(width * 4, width * 2), UpBlock(width * 2, width)))
            setattr(self, f"model{level}_3", nn.Conv2d(width, 2, 3, padding=1))

    def forward(self, in32: torch.Tensor, in64: torch.Tensor, in128: torch.Tensor) -> list[torch.Tensor]:
        up = lambda m: F.interpolate(m, scale_factor=2.0, mode="nearest")  # noqa: E731
        feat = self.f1_model(in32)
        low = self.f1_motion(feat)
        feat = self.model1_2(self.model1_1(in64) + feat)
        mid = self.model1_3(feat) + up(low)
        feat = self.model2_2(self.model2_1(in128) + feat)
        high = self.model2_3(feat) + up(mid)
        return [m.permute(0, 2, 3, 1) for m in (low, mid, high)]


__all__ = ["MobileBlock", "MotionNet", "RenderingNet", "warp"]
