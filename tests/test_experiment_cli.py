"""``python -m experiments`` as a user meets it: bad flags are one line naming the flag, the value
and what is valid, exit code 2, before training; Ctrl-C is one line and exit code 130; a workdir
refuses runs of another configuration; --help lists the valid choices; --list-methods prints the
method table; the seg default names only combinations that run."""

import dataclasses
import json

import pytest
from flax import nnx

from experiments import __main__ as cli
from experiments import configs, models, train
from resample_jax import methods as table

TINY = [
    "--methods",
    "pixel_shuffle",
    "--seeds",
    "0",
    "--steps",
    "4",
    "--batch-size",
    "2",
    "--patch-size",
    "8",
    "--warmup-steps",
    "1",
    "--train-images",
    "astronaut",
    "--test-images",
    "chelsea",
]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["sr", "--scale", "0"], "--scale 0: must be an integer >= 2."),
        (["sr", "--scale", "-2"], "--scale -2: must be an integer >= 2."),
        (["sr", "--learning-rate", "-1"], "--learning-rate -1.0: must be a finite number > 0."),
        (["sr", "--residual-gain", "inf"], "--residual-gain inf: must be a finite number."),
        (
            ["sr", "--no-residual", "--residual-gain", "0.5"],
            "--residual-gain 0.5: the gain scales the residual branch; with --no-residual there "
            "is none",
        ),
        (["sr", "--test-images", "lena"], "--test-images: unknown name 'lena'; valid: ["),
        (["sr", "--train-images", "astronot"], "Did you mean 'astronaut'?"),
        (
            ["sr", "--train-images", "astronaut,chelsea"],
            "--train-images astronaut,chelsea: 'chelsea' is a held-out test photograph "
            "(--test-images chelsea,coffee); train on others.",
        ),
        (["sr", "--train-images", "camera"], "'camera' is the validation photograph"),
        (["seg", "--datasets", "horses"], "--datasets: unknown name 'horses'; valid: ['shapes',"),
        (
            ["seg", "--max-shift", "32", "--image-size", "32"],
            "--max-shift 32: must be less than --image-size (32), so that the two shifted crops",
        ),
        (["sr", "--steps", "0"], "--steps 0: must be an integer >= 1."),
        (["sr", "--seeds", "1,1"], "--seeds 1,1: seeds must be distinct"),
        (["sr", "--train-scales", "1,1.5"], "--train-scales 1.0,1.5: list distinct factors in (0"),
        (["sr", "--train-scales", "0"], "--train-scales 0.0: list distinct factors in (0, 1]"),
        # skimage's clock is 300 x 400: at 0.6 of its size 180 x 240, its x3 LR image 60 x 80.
        (
            ["sr", "--patch-size", "61", "--train-images", "clock", "--train-scales", "1,0.6"],
            "--patch-size 61: must be at most 60, the shorter side of the smallest LR image "
            "('clock' at 0.6 of its size, 60 x 80 pixels at scale 3).",
        ),
    ],
)
def test_bad_flags_are_one_line_with_exit_code_2_before_training(
    argv, needle, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite bad input"))
    assert cli.main([*argv, "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err
    assert not (tmp_path / "results.json").exists()


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path, capsys, monkeypatch):
    real = train.ensemble_batch

    def interrupt(spec, step):
        if step == 2:
            raise KeyboardInterrupt
        return real(spec, step)

    monkeypatch.setattr(train, "ensemble_batch", interrupt)
    assert cli.main(["sr", *TINY, "--workdir", str(tmp_path)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "interrupted at step 2; rerun the same command to resume"


def test_workdir_refuses_to_mix_configurations(tmp_path, capsys, monkeypatch):
    config = configs.from_namespace(configs.SRConfig, _parse(["sr", *TINY]))
    (tmp_path / "config.json").write_text(json.dumps(configs.to_dict(config)))
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite mixing"))
    argv = ["sr", *TINY, "--steps", "50", "--workdir", str(tmp_path)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "--steps 4 (now 50)" in err
    # Selection flags add runs and are allowed: the check passes with other seeds.
    train._check_same_config(tmp_path, dataclasses.replace(config, seeds=(0, 1, 2)))


def test_workdir_of_an_older_runner_without_a_training_field_is_refused(tmp_path, capsys):
    # A runner before --residual-gain wrote no such field; its nets started from another
    # initialisation and its checkpoints lack the gain, so mixing or resuming would be wrong.
    saved = configs.to_dict(configs.from_namespace(configs.SRConfig, _parse(["sr", *TINY])))
    del saved["residual_gain"]
    (tmp_path / "config.json").write_text(json.dumps(saved))
    assert cli.main(["sr", *TINY, "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "older runner that had no --residual-gain (now 0.0)" in err and str(tmp_path) in err
    # A saved selection field may be absent: selection flags only add runs.
    del saved["log_every"]
    saved["residual_gain"] = 0.0
    (tmp_path / "config.json").write_text(json.dumps(saved))
    train._check_same_config(tmp_path, configs.from_dict({**saved, "log_every": 20}))


def _parse(argv):
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli.COMMANDS["sr"][1](sub.add_parser("sr"))
    return parser.parse_args([*argv, "--workdir", "unused"])


def test_help_lists_valid_choices_without_rst_markup(capsys):
    for command, expected in (
        ("sr", ["pixel_shuffle", "all", "espcn", "fsrcnn", "mse", "l1", "astronaut"]),
        ("seg", ["down:max_blur_pool", "up:pixel_shuffle", "up:aps_upsample", "up:lpu",
                 "DOWN+UP", "unet", "fcn32s", "shapes", "horse", "circular"]),
    ):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        for word in expected:
            assert word in out, (command, word)
        assert "``" not in out and ":func:" not in out


def test_list_methods_prints_every_method(capsys):
    assert cli.main(["--list-methods"]) == 0
    out = capsys.readouterr().out
    for name in [*table.downsampler_names(), *table.upsampler_names(include_paired=True)]:
        assert f"\n{name} " in out, name


def test_seg_default_names_only_combinations_that_run(capsys):
    combos = models.resolve_seg_methods(configs.SegConfig())
    assert ("fcn32s", "max_blur_pool") not in {(a, label) for a, label, _, _ in combos}
    assert ("unet", "max_blur_pool") in {(a, label) for a, label, _, _ in combos}
    assert "skipped" not in capsys.readouterr().err


def test_experiments_is_installed_as_a_package_with_a_console_script():
    from pathlib import Path

    from setuptools import find_packages

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    repo = Path(__file__).resolve().parents[1]
    project = tomllib.loads((repo / "pyproject.toml").read_text())
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert "experiments" in find_packages(str(repo), include=include)
    module, _, attr = project["project"]["scripts"]["resample-jax-experiments"].partition(":")
    assert (module, attr) == ("experiments.__main__", "main") and callable(cli.main)


def test_seg_paired_upsamplers_select_the_aps_and_lps_unets(capsys):
    config = configs.SegConfig(
        methods=("aps_upsample", "up:lpu", "max_pool+max_unpool"), archs=("unet", "fcn32s"),
        padding="circular")
    combos = models.resolve_seg_methods(config)
    unets = {(label, d, u) for a, label, d, u in combos if a == "unet"}
    assert {("aps+aps_upsample", "aps", "aps_upsample"), ("lps+lpu", "lps", "lpu"),
            ("max_pool+max_unpool", "max_pool", "max_unpool")} <= unets
    # FCN has no stage to hand side information to: skipped there, with a note.
    assert {label for a, label, _, _ in combos if a == "fcn32s"} == {"max_pool+bilinear"}
    assert "skipped" in capsys.readouterr().err
    built = models.build_seg("unet", 4, "aps", "aps_upsample", nnx.Rngs(0), "circular")
    assert all(block.circular for block in built.encoders)


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["seg", "--methods", "max_pool+lpu"],
         "'lpu' consumes the LPS weights of its paired downsampler 'lps'"),
        (["seg", "--up", "aps_upsample"], "`down` must be 'aps'; got `down` = 'max_pool'"),
        (["seg", "--padding", "wrap"], "--padding wrap: valid: ['zeros', 'circular']"),
        (["seg", "--methods", "aps+bilinaer"], "Did you mean 'bilinear'"),
    ],
)
def test_seg_bad_pairs_and_padding_are_one_line_errors(argv, needle, tmp_path, capsys,
                                                        monkeypatch):
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained despite bad input"))
    assert cli.main([*argv, "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err


@pytest.mark.parametrize("task", sorted(configs.LONG_RUNS))
def test_documented_long_commands_parse_and_validate(task):
    """Every command of ``LONG_RUNS`` (quoted in the reports and docs) is accepted by the parser,
    passes ``validate`` and names methods the task resolves: a renamed flag or method breaks
    this test, not a user's 20-minute run."""
    import argparse
    import shlex

    for command in configs.LONG_RUNS[task].split("&&"):
        words = shlex.split(command)
        assert words[:3] == ["python", "-m", "experiments"] and words[3] == task
        parser = argparse.ArgumentParser()
        cli.COMMANDS[task][1](parser)  # the CLI's own options for the task
        config = configs.from_namespace(configs.CONFIGS[task], parser.parse_args(words[4:]))
        configs.validate(config)
        if task == "sr":
            assert models.resolve_sr_methods(config)
        else:
            assert models.resolve_seg_methods(config)
