"""`reasoning model ...`: manage the built-in model."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("model", help="manage the built-in model", description="Manage the built-in model.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    boot = actions.add_parser(
        "bootstrap",
        help="train (or find cached) the built-in tiny model",
        description="Train the built-in tiny Llama on the synthetic train split and cache it in HF format.",
    )
    boot.add_argument("--cache-dir", default=None, help="cache root (default $REASONING_WORKBENCH_CACHE or ~/.cache)")
    boot.add_argument("--force", action="store_true", help="retrain even if a cached model exists")
    boot.add_argument("--seed", type=int, default=0, help="training seed")
    boot.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the built-in recipe)")
    boot.add_argument("--quiet", action="store_true", help="no progress bar")
    boot.set_defaults(func=run_bootstrap)
    where = actions.add_parser("path", help="print the built-in model's directory", description="Print its directory.")
    where.add_argument("--cache-dir", default=None, help="cache root")
    where.set_defaults(func=run_path)


def _config(args: argparse.Namespace):
    from dataclasses import replace

    from reasoning.tiny_model import BootstrapConfig

    config = BootstrapConfig(seed=getattr(args, "seed", 0))
    if getattr(args, "steps", None):
        config = replace(config, steps=args.steps)
    return config


def run_bootstrap(args: argparse.Namespace) -> int:
    import json
    import time
    from pathlib import Path

    from reasoning.tiny_model import ensure_builtin_model

    started = time.time()
    path = ensure_builtin_model(
        _config(args), Path(args.cache_dir) if args.cache_dir else None, force=args.force, progress=not args.quiet
    )
    report = json.loads((path / "bootstrap.json").read_text())
    print(f"built-in model at {path}")
    print(f"{report['parameters']:,} parameters, final loss {report['final_loss']}, trained in {report['seconds']} s")
    if time.time() - started < 1:
        print("(cached; pass --force to retrain)")
    return 0


def run_path(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reasoning.tiny_model import builtin_model_path

    print(builtin_model_path(cache_dir=Path(args.cache_dir) if args.cache_dir else None))
    return 0
