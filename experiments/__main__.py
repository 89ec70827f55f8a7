"""Command line: python -m experiments {sr,seg} --workdir DIR [--field value ...]

Every config field is an option (see configs.py); --workdir is where config.json, results.json,
report.md, figures, loss curves and checkpoints go. Rerun the same command to resume. The seeds of
each method train together as one vectorised ensemble; on a CPU the runner asks XLA for one host
device per core (at most one per seed, and a divisor of the seed count) unless XLA_FLAGS already
sets --xla_force_host_platform_device_count; each device trains its share of the seeds.
Multi-host: start one process per host with --distributed (calls jax.distributed.initialize()).

python -m experiments --list-methods prints the table of resampling methods; python -m experiments
gallery --workdir DIR draws the gallery figures.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from experiments import configs, gallery

# Subcommands: name -> (one-line help, add its arguments, run it and return the exit code).
Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _train_command(task: str) -> Command:
    cls = configs.CONFIGS[task]

    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workdir", required=True, help="output directory (reused to resume)")
        from experiments import tasks

        configs.add_arguments(p, cls, tasks.task_class(task).choices())

    def run(args: argparse.Namespace) -> int:
        from experiments import train

        config = configs.from_namespace(cls, args)
        if not config.distributed:
            # Before JAX's CPU client exists (nothing above creates it): see xla_flags_for_seeds.
            os.environ["XLA_FLAGS"] = train.xla_flags_for_seeds(
                os.environ.get("XLA_FLAGS", ""), len(config.seeds), train.available_cores()
            )
        try:
            train.train_and_evaluate(config, args.workdir)
        except configs.ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except train.TrainingDiverged as e:
            print(f"error: {e}", file=sys.stderr)
            return 3
        except train.Interrupted as e:
            print(f"\n{e}", file=sys.stderr)
            return 130
        except KeyboardInterrupt:
            print("\ninterrupted; rerun the same command to resume", file=sys.stderr)
            return 130
        return 0

    return cls.__doc__.splitlines()[0], add, run


COMMANDS: dict[str, Command] = {task: _train_command(task) for task in configs.CONFIGS}
COMMANDS["gallery"] = (gallery.HELP, gallery.add_arguments, gallery.run)


def list_methods() -> str:
    """The method table as text: name, direction, learned or fixed, factors, description."""
    from resample_jax import methods as table

    lines = [f"{'name':<16} {'dir':<5} {'kind':<8} {'factors':<8} description"]
    for direction in ("down", "up"):
        names = (
            table.downsampler_names()
            if direction == "down"
            else table.upsampler_names(include_paired=True)
        )
        for n in names:
            m = table.get_method(n, direction)
            kind = "learned" if m.learned else "fixed"
            lines.append(f"{n:<16} {direction:<5} {kind:<8} {m.factors:<8} {m.description}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--list-methods", action="store_true", help="print the resampling method table and exit"
    )
    sub = parser.add_subparsers(dest="command")
    for name, (text, add, _) in COMMANDS.items():
        add(sub.add_parser(name, help=text, description=text))
    args = parser.parse_args(argv)
    if args.list_methods:
        print(list_methods())
        return 0
    if args.command is None:
        parser.error(f"choose a command: {', '.join(COMMANDS)} (or --list-methods)")
    return COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
