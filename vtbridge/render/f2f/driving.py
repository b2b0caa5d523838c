"""Driving the network from our tracker: the portrait's 72 points and pose, and each frame's retargeted ones.

Retargeting is the reenactment core's identity-preserving motion transfer (``reenact.motion``): the portrait's
own frontal shape plus the driver's expression offsets from the driver's neutral, re-posed with the portrait's
rotation composed with the driver's rotation relative to its neutral (limited to what the network saw), and
placed with the portrait's scale plus the driver's travel. The 478 retargeted points go through the authored
table to the 72-point layout in the crop's [-1, 1] coordinates, and the 6-D pose is built from the composed
rotation, the retargeted nose tip and the portrait's eye distance (``headpose``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtbridge.frames import FaceFrame
from vtbridge.render.f2f import headpose, keypoints
from vtbridge.render.f2f.crop import FaceCrop
from vtbridge.render.reenact.motion import FacePose, MotionLimits, face_pose, retarget
from vtbridge.rotation import euler_to_matrix

_FLIP = np.diag([1.0, -1.0, -1.0])


@dataclass(frozen=True, eq=False)
class DrivingInput:
    points72: np.ndarray  # (72, 2) float32 in [-1, 1]
    pose: np.ndarray  # (6,) float32


def eye_distance(points_px3: np.ndarray, crop: FaceCrop) -> float:
    """3-D distance between the eye centres, in the crop's [-1, 1] units."""
    p = np.asarray(points_px3, dtype=np.float64)
    d = p[[33, 133, 159, 145]].mean(axis=0) - p[[263, 362, 386, 374]].mean(axis=0)
    return float(np.linalg.norm(d) * crop.forward[0, 0] * 2.0 / (crop.size - 1))


@dataclass(frozen=True, eq=False)
class PortraitDrive:
    """The portrait's fixed side: its pose in the motion-transfer frame and the network's source inputs."""

    pose: FacePose
    crop: FaceCrop
    eyes: float
    source: DrivingInput

    @classmethod
    def from_face(cls, face: FaceFrame, crop: FaceCrop) -> "PortraitDrive":
        pose = face_pose(face)
        pts = keypoints.to_72(crop.to_crop(pose.points))
        eyes = eye_distance(pose.points, crop)
        camera_rotation = _FLIP @ pose.rotation @ _FLIP
        src_pose = headpose.headpose(camera_rotation, pts[keypoints.NOSE_TIP], eyes)
        return cls(pose=pose, crop=crop, eyes=eyes, source=DrivingInput(pts.astype(np.float32), src_pose))

    def drive(self, neutral: FacePose, face: FaceFrame, limits: MotionLimits) -> DrivingInput:
        driver = face_pose(face, reference=neutral.frontal())
        target = retarget(self.pose, neutral, driver, limits)
        pts = keypoints.to_72(self.crop.to_crop(target.points)).astype(np.float32)
        rotation = euler_to_matrix(target.yaw, target.pitch, target.roll) @ (_FLIP @ self.pose.rotation @ _FLIP)
        pose = headpose.headpose(rotation, pts[keypoints.NOSE_TIP], self.eyes)
        return DrivingInput(points72=pts, pose=pose)
