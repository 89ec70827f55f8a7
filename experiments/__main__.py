"""Command line: ``python -m experiments {sr,seg} [--field value ...]``.

Every config field is an option (see ``configs.py``); ``--workdir`` is where config.json,
results.json, report.md, figures, metrics and checkpoints go. Rerun with the same workdir to resume.
Multi-host: start one process per host with ``--distributed`` (calls
``jax.distributed.initialize()``).
"""

from __future__ import annotations

import argparse
import sys

from experiments import configs, gallery


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="task", required=True)
    for task, cls in configs.CONFIGS.items():
        p = sub.add_parser(task, help=cls.__doc__.splitlines()[0])
        p.add_argument("--workdir", required=True, help="output directory (reused to resume)")
        configs.add_arguments(p, cls)
    gallery.add_arguments(sub.add_parser("gallery", help=gallery.HELP))
    args = parser.parse_args(argv)
    if args.task == "gallery":
        return gallery.run(args)
    config = configs.from_namespace(configs.CONFIGS[args.task], args)

    # Imported after parsing so --help answers without loading JAX.
    from experiments import train
    from experiments.models import ConfigError

    try:
        train.train_and_evaluate(config, args.workdir)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except train.TrainingDiverged as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
