"""Dense piecewise-affine warp: every destination triangle maps its pixels back into its source triangle.

One ``cv2.remap`` per frame does the resampling. The per-pixel maps come from a triangle-index raster of the
destination mesh (one ``fillConvexPoly`` per triangle) and a table of 2x3 affine maps, evaluated on a coarse grid
inside the bounding box of the triangles that moved: the rest of the picture is the identity and costs nothing. Adjacent
triangles share edges, so the map is continuous: no seams.
"""

from __future__ import annotations

import cv2
import numpy as np


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z of the 2-D cross product, row by row."""
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def inverse_affines(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2, 3) affine maps taking destination pixels to source pixels, and a (T,) mask of usable triangles
    (both triangles non-degenerate)."""
    d = dst[triangles]  # (T, 3, 2)
    s = src[triangles]
    m = np.concatenate([d, np.ones(d.shape[:2] + (1,), dtype=np.float64)], axis=2).transpose(0, 2, 1)  # (T,3,3)
    det = np.linalg.det(m)
    s_area = np.abs(_cross(s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]))
    ok = (np.abs(det) > 1e-3) & (s_area > 1e-3)
    inv = np.zeros_like(m)
    inv[ok] = np.linalg.inv(m[ok])
    affines = np.einsum("tki,tij->tkj", s.transpose(0, 2, 1), inv)  # (T, 2, 3)
    return affines, ok


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    p = points[triangles]
    return _cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])


def folded_share(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> float:
    """Share of the mesh's source area in triangles whose orientation flips between source and destination.

    A few slivers at the face's silhouette turn their back as the head turns (real self-occlusion, harmless under a
    warp); a large share means the warp would visibly fold the face over itself."""
    a_src, a_dst = signed_areas(src, triangles), signed_areas(dst, triangles)
    flipped = (np.sign(a_src) != np.sign(a_dst)) & (a_dst != 0)
    total = float(np.abs(a_src).sum())
    return float(np.abs(a_src[flipped]).sum()) / total if total > 0 else 0.0


class PiecewiseAffineWarp:
    """Warps pictures of one size along a fixed triangle list; reuse it frame after frame.

    The maps are computed on a grid ``step`` times coarser than the picture and scaled up linearly: inside a
    triangle the map is affine, so that is exact there and off by a fraction of a pixel only along triangle edges,
    for a quarter of the work (``step=2``)."""

    def __init__(self, size: tuple[int, int], triangles: np.ndarray, step: int = 2) -> None:
        self.size = size
        self.step = max(1, int(step))
        self.triangles = np.asarray(triangles, dtype=np.int32)
        w, h = size
        self._gx, self._gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))

    def maps(self, src: np.ndarray, dst: np.ndarray, moving: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """``(map_x, map_y)`` for ``cv2.remap``: destination pixel -> source position. ``moving`` (T,) limits the
        work to triangles that can differ from the identity (default: those whose vertices moved)."""
        w, h = self.size
        src = np.asarray(src, dtype=np.float64)
        dst = np.asarray(dst, dtype=np.float64)
        if moving is None:
            moved = np.any(np.abs(src - dst) > 1e-3, axis=1)
            moving = moved[self.triangles].any(axis=1)
        affines, ok = inverse_affines(src, dst, self.triangles)
        map_x, map_y = self._gx.copy(), self._gy.copy()
        use = np.flatnonzero(moving & ok)
        if len(use) == 0:
            return map_x, map_y
        k = self.step
        corners = np.concatenate([dst[self.triangles[use]].reshape(-1, 2), src[self.triangles[use]].reshape(-1, 2)])
        x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, (w, h))
        # The coarse grid starts one cell before the box and ends one after it, so the linear upscale never
        # extrapolates at the box's edges. Coarse pixel (i, j) samples the picture at (gx0 + k*j + (k-1)/2, ...):
        # after a k-times linear upscale every fine pixel gets its own exact affine position.
        gx0, gy0 = x0 - k, y0 - k
        cw, ch = -(-(x1 - x0) // k) + 2, -(-(y1 - y0) // k) + 2
        origin = np.array([gx0 + (k - 1) / 2, gy0 + (k - 1) / 2])
        index = np.zeros((ch, cw), np.int32)
        polys = np.round((dst[self.triangles[use]] - origin) / k * 16).astype(np.int32)
        for t, poly in zip(use, polys):  # fixed point, 4 fractional bits: neighbours meet without gaps
            cv2.fillConvexPoly(index, poly, int(t) + 1, lineType=cv2.LINE_8, shift=4)
        table = np.zeros((len(self.triangles) + 1, 6), np.float32)
        table[0] = (1, 0, 0, 0, 1, 0)  # outside every moving triangle: identity
        table[1:] = affines.reshape(-1, 6)
        coef = table[index]  # (ch, cw, 6)
        gx = (origin[0] + k * np.arange(cw, dtype=np.float32))[None, :]
        gy = (origin[1] + k * np.arange(ch, dtype=np.float32))[:, None]
        cx = coef[..., 0] * gx + coef[..., 1] * gy + coef[..., 2]
        cy = coef[..., 3] * gx + coef[..., 4] * gy + coef[..., 5]
        if k > 1:
            cx = cv2.resize(cx, (cw * k, ch * k), interpolation=cv2.INTER_LINEAR)
            cy = cv2.resize(cy, (cw * k, ch * k), interpolation=cv2.INTER_LINEAR)
        map_x[y0:y1, x0:x1] = cx[k: k + y1 - y0, k: k + x1 - x0]
        map_y[y0:y1, x0:x1] = cy[k: k + y1 - y0, k: k + x1 - x0]
        return map_x, map_y

    def apply(self, image: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        map_x, map_y = self.maps(src, dst)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
