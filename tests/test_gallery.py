"""``python -m experiments gallery`` draws one panel per method of the table, as valid PNGs."""

import json

import numpy as np
import pytest
from PIL import Image

import resample_jax as rj
from experiments import gallery
from experiments.__main__ import main
from resample_jax import methods

SIZE = 16


def _kernel_names():
    """Table names that are kernel interpolations of ``resize`` (they get an antialias-off twin)."""
    return {
        name
        for info in rj.RESIZE_METHODS.values()
        if info.radius is not None
        for name in (info.name, *info.aliases)
    }


def _expected_panels():
    return {
        "zone_plate": 1
        + len(methods.DOWNSAMPLERS)
        + len(_kernel_names() & set(methods.DOWNSAMPLERS)),
        "upsamplers": 2 + len(methods.UPSAMPLERS),
        "checkerboard": 8,
    }


def _filled_slots(image, spec):
    """How many grid slots of a composed figure hold a panel (anything but the white background)."""
    a = np.asarray(image.convert("L"))
    filled = 0
    for i in range(spec["rows"] * spec["columns"]):
        x0, y0 = gallery.panel_origin(i, spec["panel_px"], spec["columns"])
        tile = a[y0 : y0 + spec["panel_px"], x0 : x0 + spec["panel_px"]]
        filled += int((tile != gallery.BACKGROUND).any())
    return filled


@pytest.mark.slow
def test_command_writes_pngs_with_one_labelled_panel_per_method_of_the_table(tmp_path):
    # One run of the command (the slow part) checks every figure, so that test workers do not
    # each draw the gallery again.
    assert main(["gallery", "--workdir", str(tmp_path), "--size", str(SIZE)]) == 0
    manifest = json.loads((tmp_path / "gallery.json").read_text())
    for figure, expected in _expected_panels().items():
        spec = manifest[figure]
        assert len(spec["panels"]) == expected, figure
        with Image.open(tmp_path / f"{figure}.png") as image:
            assert image.format == "PNG"
            image.load()
            rows, cols = spec["rows"], spec["columns"]
            assert image.size == (
                gallery.GAP_PX + cols * (SIZE + gallery.GAP_PX),
                gallery.GAP_PX + rows * (SIZE + gallery.LABEL_PX + gallery.GAP_PX),
            ), figure
            assert _filled_slots(image, spec) == expected, figure

    down = [p.split(",")[0].split(" ")[0] for p in manifest["zone_plate"]["panels"][1:]]
    up = [p.split(" ")[0] for p in manifest["upsamplers"]["panels"][2:]]
    assert set(down) == set(methods.DOWNSAMPLERS)
    assert up == list(methods.UPSAMPLERS)
    off = [p for p in manifest["zone_plate"]["panels"] if "antialias off" in p]
    assert len(off) == len(_kernel_names() & set(methods.DOWNSAMPLERS))

    assert manifest["kernels"]["curves"] == [
        n for n, info in rj.RESIZE_METHODS.items() if "jax" in info.conventions
    ]
    with Image.open(tmp_path / "kernels.png") as image:
        assert image.format == "PNG"
        image.verify()


@pytest.mark.slow
def test_checkerboard_scores_separate_transposed_conv_from_icnr():
    # Odena et al. 2016 / Aitken et al. 2017: on a constant input, ICNR sub-pixel conv is flat at
    # initialisation and a 3x3 stride-2 transposed conv is not.
    panels, scores = gallery.checkerboard_panels(SIZE)
    assert len(panels) == len(scores) == 8
    by = {(s["method"], s["input"]): s["checkerboard_score"] for s in scores}
    assert by[("pixel_shuffle (ICNR)", "constant")] < 1e-5
    assert by[("conv_transpose 3x3", "constant")] > 0.1


def test_zone_plate_matches_hand_computed_values():
    # n = 4: pixel centres at -1.5, -0.5, 0.5, 1.5; corner r^2 = 4.5, centre-adjacent r^2 = 0.5.
    z = gallery.zone_plate(4)
    np.testing.assert_allclose(z[0, 0], 0.5 + 0.5 * np.cos(np.pi * 4.5 / 4), rtol=1e-6)
    np.testing.assert_allclose(z[1, 1], 0.5 + 0.5 * np.cos(np.pi * 0.5 / 4), rtol=1e-6)
    np.testing.assert_allclose(z, z.T)
    np.testing.assert_allclose(z, z[::-1, ::-1])


def test_measured_linear_kernel_is_the_triangle_and_its_response_sinc_squared():
    curve = next(c for c in gallery.kernel_curves() if c["name"] == "linear")
    np.testing.assert_allclose(curve["k"], np.maximum(0.0, 1.0 - np.abs(curve["t"])), atol=1e-6)
    # The triangle's Fourier transform is sinc^2(f); sampling at 1/32 px aliases it by < 1e-3 here.
    for f in (0.0, 0.25, 0.5):
        i = int(np.argmin(np.abs(curve["freq"] - f)))
        np.testing.assert_allclose(curve["response"][i], np.sinc(curve["freq"][i]) ** 2, atol=2e-3)


def test_too_small_size_is_rejected_with_exit_code_2(tmp_path, capsys):
    assert main(["gallery", "--workdir", str(tmp_path), "--size", "10"]) == 2
    err = capsys.readouterr().err
    assert "--size" in err and "10" in err
    assert not any(tmp_path.iterdir())
