"""THA3's five ``separable_float`` inference networks, and the five export stages vtbridge runs them as.

Networks (attribute names = checkpoint keys; hyper-parameters = THA3's ``separable_float`` mode):

==============================  ======  =========================================================================
network                         input   what it does
==============================  ======  =========================================================================
``eyebrow_decomposer``          128²    splits the eyebrow region into a background layer and an eyebrow layer
``eyebrow_morphing_combiner``   128²    moves the eyebrow layer for 12 eyebrow values, recombines
``face_morpher``                192²    eyes, iris and mouth for 27 face values
``two_algo_face_body_rotator``  256²    head/neck/body rotation (6 values) as a warp field (+ a direct image)
``editor``                      512²    refines the warp at full resolution and fixes colours
==============================  ======  =========================================================================

The *stages* wrap them with the crops and pastes THA3's poser does between networks, so that each stage is one
ONNX graph the runtime can cache or skip on its own: the eyebrow decomposition depends only on the picture, the
eyebrow morph only on 12 values, and so on. Images are RGBA in [-1, 1] with linear (not sRGB) colour.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from vtbridge.convert.tha3_blocks import (PoseEncoderDecoder, ResizeEncoderDecoder, ResizeUNet, alpha_head,
                                          blend, blend_rgb, color_head, conv3, paste, tile_pose, warp)

NUM_EYEBROW = 12
NUM_FACE = 27
NUM_ROTATION = 6
NUM_POSE = NUM_EYEBROW + NUM_FACE + NUM_ROTATION  # 45


class EyebrowDecomposer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = PoseEncoderDecoder(128, 4, 0, 64, 16, 6, act="relu")
        self.background_layer_alpha = alpha_head(64)
        self.background_layer_color_change = color_head(64, 4)
        self.eyebrow_layer_alpha = alpha_head(64)
        self.eyebrow_layer_color_change = color_head(64, 4)

    def forward(self, image: Tensor) -> tuple[Tensor, Tensor]:
        """(background layer, eyebrow layer), both (n, 4, 128, 128)."""
        f = self.body(image)
        background = blend(self.background_layer_alpha(f), self.background_layer_color_change(f), image)
        # The eyebrow layer takes the picture where alpha is high (the roles of image and change are swapped).
        eyebrow = blend(self.eyebrow_layer_alpha(f), image, self.eyebrow_layer_color_change(f))
        return background, eyebrow


class EyebrowMorphingCombiner(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = PoseEncoderDecoder(128, 8, NUM_EYEBROW, 64, 16, 6, act="relu")
        self.morphed_eyebrow_layer_grid_change = conv3(64, 2, False)
        self.morphed_eyebrow_layer_alpha = alpha_head(64)
        self.morphed_eyebrow_layer_color_change = color_head(64, 4)
        self.combine_alpha = alpha_head(64)  # unused by the separable_float poser (it takes the no-combine image)

    def forward(self, background: Tensor, eyebrow: Tensor, pose: Tensor) -> Tensor:
        """The eyebrow region with the eyebrows moved, combined by the morphed layer's own alpha."""
        f = self.body(_cat(background, eyebrow), pose)
        warped = warp(eyebrow, self.morphed_eyebrow_layer_grid_change(f))
        morphed = blend(self.morphed_eyebrow_layer_alpha(f), self.morphed_eyebrow_layer_color_change(f), warped)
        return blend_rgb((morphed[:, 3:4] + 1.0) * 0.5, morphed, background)


class FaceMorpher(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = PoseEncoderDecoder(192, 4, NUM_FACE, 64, 24, 6, act="relu")
        self.iris_mouth_grid_change = conv3(64, 2, False)
        self.iris_mouth_color_change = color_head(64, 4)
        self.iris_mouth_alpha = alpha_head(64)
        self.eye_color_change = color_head(64, 4)
        self.eye_alpha = alpha_head(64)

    def forward(self, image: Tensor, pose: Tensor) -> Tensor:
        f = self.body(image, pose)
        moved = warp(image, self.iris_mouth_grid_change(f))
        moved = blend(self.iris_mouth_alpha(f), self.iris_mouth_color_change(f), moved)
        return blend(self.eye_alpha(f), self.eye_color_change(f), moved)


class TwoAlgoFaceBodyRotator(nn.Module):
    """At 256²: returns (warped image, grid change); THA3's third output, a directly generated image, is not used
    by its poser and is not computed here (its head's weights still load)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder_decoder = ResizeEncoderDecoder(256, 4 + NUM_ROTATION, 64, 32, 6, 512, "leaky")
        self.direct_creator = color_head(64, 4)
        self.grid_change_creator = conv3(64, 2, False)

    def forward(self, image: Tensor, pose: Tensor) -> tuple[Tensor, Tensor]:
        f = self.encoder_decoder(_cat(image, tile_pose(pose, image.shape[-1])))
        grid_change = self.grid_change_creator(f)
        return warp(image, grid_change), grid_change


class Editor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = ResizeUNet(512, 2 * 4 + NUM_ROTATION + 2, 32, 64, 6, 512, "leaky")
        self.color_change_creator = color_head(32, 4)
        self.alpha_creator = alpha_head(32, 4)
        self.grid_change_creator = conv3(32, 2, False)

    def forward(self, original: Tensor, warped: Tensor, grid_change: Tensor, pose: Tensor) -> Tensor:
        f = self.body(_cat(original, warped, grid_change, tile_pose(pose, original.shape[-1])))
        moved = warp(original, grid_change + self.grid_change_creator(f))
        return blend(self.alpha_creator(f), self.color_change_creator(f), moved)


def _cat(*tensors: Tensor) -> Tensor:
    return torch.cat(tensors, dim=1)


NETWORKS: dict[str, type[nn.Module]] = {
    "eyebrow_decomposer": EyebrowDecomposer,
    "eyebrow_morphing_combiner": EyebrowMorphingCombiner,
    "face_morpher": FaceMorpher,
    "two_algo_face_body_rotator": TwoAlgoFaceBodyRotator,
    "editor": Editor,
}


# --- export stages: networks plus THA3's crops/pastes, one ONNX graph each -----------------------------------------

class DecomposeStage(nn.Module):
    """picture (1, 4, 512, 512) → background, eyebrow layers of the eyebrow box (rows 64-192, cols 192-320)."""

    def __init__(self, net: EyebrowDecomposer) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: Tensor):
        return self.net(image[:, :, 64:192, 192:320])


class EyebrowStage(nn.Module):
    """background, eyebrow layers + 12 eyebrow values → the eyebrow box with the eyebrows moved."""

    def __init__(self, net: EyebrowMorphingCombiner) -> None:
        super().__init__()
        self.net = net

    def forward(self, background: Tensor, eyebrow: Tensor, pose: Tensor) -> Tensor:
        return self.net(background, eyebrow, pose)


class FaceStage(nn.Module):
    """picture + moved eyebrow box + 27 face values → the picture with the face changed, at 512² and at 256²."""

    def __init__(self, net: FaceMorpher) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: Tensor, eyebrow_image: Tensor, pose: Tensor):
        face = paste(image[:, :, 32:224, 160:352], eyebrow_image, 32, 32)
        full = paste(image, self.net(face, pose), 32, 160)
        half = F.interpolate(full, size=(256, 256), mode="bilinear", align_corners=False)
        return full, half


class RotateStage(nn.Module):
    """256² face-changed picture + 6 rotation values → warped picture and warp field, both 256²."""

    def __init__(self, net: TwoAlgoFaceBodyRotator) -> None:
        super().__init__()
        self.net = net

    def forward(self, half: Tensor, pose: Tensor):
        return self.net(half, pose)


class EditStage(nn.Module):
    """512² face-changed picture + 256² warp results + 6 rotation values → the final 512² picture."""

    def __init__(self, net: Editor) -> None:
        super().__init__()
        self.net = net

    def forward(self, full: Tensor, warped_half: Tensor, grid_half: Tensor, pose: Tensor) -> Tensor:
        warped = F.interpolate(warped_half, size=(512, 512), mode="bilinear", align_corners=False)
        grid = F.interpolate(grid_half, size=(512, 512), mode="bilinear", align_corners=False)
        return self.net(full, warped, grid, pose)


#: stage name -> (network it wraps, wrapper, input names and shapes, output names)
STAGES: dict[str, tuple[str, type[nn.Module], tuple[tuple[str, tuple[int, ...]], ...], tuple[str, ...]]] = {
    "decompose": ("eyebrow_decomposer", DecomposeStage, (("image", (1, 4, 512, 512)),),
                  ("background", "eyebrow")),
    "eyebrow": ("eyebrow_morphing_combiner", EyebrowStage,
                (("background", (1, 4, 128, 128)), ("eyebrow", (1, 4, 128, 128)), ("pose", (1, NUM_EYEBROW))),
                ("eyebrow_image",)),
    "face": ("face_morpher", FaceStage,
             (("image", (1, 4, 512, 512)), ("eyebrow_image", (1, 4, 128, 128)), ("pose", (1, NUM_FACE))),
             ("full", "half")),
    "rotate": ("two_algo_face_body_rotator", RotateStage, (("half", (1, 4, 256, 256)), ("pose", (1, NUM_ROTATION))),
               ("warped_half", "grid_half")),
    "edit": ("editor", EditStage,
             (("full", (1, 4, 512, 512)), ("warped_half", (1, 4, 256, 256)), ("grid_half", (1, 2, 256, 256)),
              ("pose", (1, NUM_ROTATION))),
             ("image",)),
}
