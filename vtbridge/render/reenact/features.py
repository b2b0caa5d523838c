"""What a plain warp gets wrong: eyelids that close, and a mouth interior where a closed mouth opens.

A warp can only move the pixels a portrait has. A closed-mouth portrait has no mouth interior, so opening its lips
would stretch them; an open eye has no eyelid skin, so closing it would smear the iris. Both are drawn instead:
eyelids from a skin-filled copy of the eye region (inpainted once per portrait, with a lash line), lowered as far
as the driver's eye closes; and a dark mouth cavity with a soft edge and an optional band of upper teeth, inside the
warped inner-lip outline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vtbridge.render.reenact import topology as topo

_EYES = ((topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER, topo.RIGHT_EYE),
         (topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER, topo.LEFT_EYE))


def eye_openness(points: np.ndarray) -> tuple[float, float]:
    """(right, left) lid gap divided by eye width: a size- and roll-free measure of how open each eye is."""
    out = []
    for upper, lower, _ in _EYES:
        up, lo = points[list(upper[2:-2])], points[list(lower[2:-2])]
        gap = float(np.linalg.norm(up[:, :2] - lo[:, :2], axis=1).mean())
        width = float(np.linalg.norm(points[upper[0], :2] - points[upper[-1], :2]))
        out.append(gap / max(width, 1e-6))
    return out[0], out[1]


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap at the centre divided by mouth width."""
    gap = float(np.linalg.norm(points[13, :2] - points[14, :2]))
    width = float(np.linalg.norm(points[61, :2] - points[291, :2]))
    return gap / max(width, 1e-6)


def _smoothstep(lo: float, hi: float, x: float) -> float:
    t = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def closure(openness: float, neutral_openness: float) -> float:
    """0 (as open as the neutral face) .. 1 (shut), eased so a half-blink reads as one."""
    ratio = openness / max(neutral_openness, 1e-6)
    return float(np.clip((1.0 - ratio - 0.1) / 0.6, 0.0, 1.0))


@dataclass(frozen=True, eq=False)
class Eyelids:
    """The portrait's eye regions with the eyes shut (skin inpainted over the opening, lashes drawn)."""

    closed: np.ndarray  # the whole portrait with both eyes painted shut
    lash_colour: tuple[int, int, int]
    lash_width: int


def prepare_eyelids(image: np.ndarray, landmarks: np.ndarray) -> Eyelids:
    mask = np.zeros(image.shape[:2], np.uint8)
    widths, darks = [], []
    for upper, lower, outline in _EYES:
        poly = np.round(landmarks[list(outline)]).astype(np.int32)
        cv2.fillPoly(mask, [poly], 255)
        widths.append(float(np.linalg.norm(landmarks[upper[0]] - landmarks[upper[-1]])))
        x, y, w, h = cv2.boundingRect(poly)
        region = image[y:y + h + 1, x:x + w + 1].reshape(-1, 3)
        if len(region):
            darks.append(np.percentile(region, 10, axis=0))
    mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))
    radius = max(3, int(round(max(widths) * 0.15)))
    closed = cv2.inpaint(image, mask, radius, cv2.INPAINT_TELEA)
    dark = np.mean(darks, axis=0) * 0.7 if darks else np.array([30.0, 30.0, 30.0])
    return Eyelids(closed=closed, lash_colour=tuple(int(v) for v in dark),
                   lash_width=max(1, int(round(max(widths) / 22))))


def draw_eyelids(image: np.ndarray, lids: Eyelids, landmarks: np.ndarray, closures: tuple[float, float]) -> None:
    """Lower each upper lid by its closure (0..1) in place: the skin-filled copy covers the lid's sweep, and a lash
    line follows the lid's edge."""
    for (upper, lower, _), c in zip(_EYES, closures):
        if c <= 0.02:
            continue
        up, lo = landmarks[list(upper), :2], landmarks[list(lower), :2]
        edge = up + (lo - up) * c
        poly = np.concatenate([up, edge[::-1]])
        x, y, w, h = cv2.boundingRect(np.round(poly).astype(np.int32))
        pad = lids.lash_width + 3
        x0, y0 = max(x - pad, 0), max(y - pad, 0)
        x1, y1 = min(x + w + pad, image.shape[1]), min(y + h + pad, image.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        cv2.fillPoly(mask, [np.round((poly - (x0, y0)) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        mask = cv2.GaussianBlur(mask, (3, 3), 0)[..., None]
        roi = image[y0:y1, x0:x1]
        roi[:] = (roi * (1 - mask) + lids.closed[y0:y1, x0:x1] * mask).astype(image.dtype)
        lash = np.round((edge - (x0, y0)) * 16).astype(np.int32)
        overlay = roi.copy()
        cv2.polylines(overlay, [lash], False, lids.lash_colour, lids.lash_width, cv2.LINE_AA, shift=4)
        alpha = min(1.0, c * 1.5)
        cv2.addWeighted(overlay, alpha, roi, 1 - alpha, 0, dst=roi)


@dataclass(frozen=True)
class MouthStyle:
    cavity: tuple[int, int, int]  # BGR of the darkest part of the mouth interior
    teeth: tuple[int, int, int]
    closed_opening: float  # the portrait's own inner-lip opening (mouth_opening)


def mouth_style(image: np.ndarray, landmarks: np.ndarray) -> MouthStyle:
    """Colours for a mouth interior that fits the portrait: the lips' hue, much darker; teeth as bright as the
    picture's skin allows (a black-and-white photo gets grey teeth, a sepia painting warm ones)."""
    lips = np.round(landmarks[list(topo.OUTER_LIP_UPPER + topo.OUTER_LIP_LOWER[1:-1])]).astype(np.int32)
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [cv2.convexHull(lips)], 255)
    lip = np.array(cv2.mean(image, mask)[:3])
    skin_mask = np.zeros_like(mask)
    cv2.fillPoly(skin_mask, [np.round(landmarks[list(topo.FACE_OVAL)]).astype(np.int32)], 255)
    skin = np.array(cv2.mean(image, skin_mask)[:3])
    teeth = np.clip(0.25 * skin + 0.75 * np.array([215.0, 225.0, 230.0]) * (skin.mean() / 170.0) ** 0.5, 0, 245)
    return MouthStyle(cavity=tuple(int(v) for v in lip * 0.22), teeth=tuple(int(v) for v in teeth),
                      closed_opening=mouth_opening(landmarks))


def draw_mouth(image: np.ndarray, style: MouthStyle, target: np.ndarray, teeth: bool = True) -> None:
    """Paint the mouth interior inside the target inner-lip outline, in place, when the mouth opens wider than the
    portrait's own mouth is open."""
    opening = mouth_opening(target)
    strength = _smoothstep(style.closed_opening + 0.01, style.closed_opening + 0.08, opening)
    if strength <= 0:
        return
    poly = target[list(topo.INNER_LIPS), :2]
    x, y, w, h = cv2.boundingRect(np.round(poly).astype(np.int32))
    pad = 4
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    x1, y1 = min(x + w + pad, image.shape[1]), min(y + h + pad, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    local = poly - (x0, y0)
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(mask, [np.round(local * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    soft = max(3, (min(w, h) // 6) | 1)
    mask = cv2.GaussianBlur(mask, (soft, soft), 0) * strength
    inner = np.empty((y1 - y0, x1 - x0, 3), np.float32)
    inner[:] = style.cavity
    if teeth and h > 4:
        # Upper teeth: a band hanging from the upper inner lip, a quarter of the opening deep at most.
        band = np.zeros(mask.shape, np.float32)
        upper = local[: len(topo.INNER_LIP_UPPER)]
        depth = max(1.0, min(h * 0.3, w * 0.12))
        shape = np.concatenate([upper, (upper + (0, depth))[::-1]])
        cv2.fillPoly(band, [np.round(shape * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        band = cv2.GaussianBlur(band, (3, 3), 0)[..., None]
        inner = inner * (1 - band) + np.array(style.teeth, np.float32) * band
    roi = image[y0:y1, x0:x1]
    m = mask[..., None]
    roi[:] = (roi * (1 - m) + inner * m).astype(image.dtype)
