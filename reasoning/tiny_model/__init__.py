"""The built-in model: a tiny Llama the workbench trains on its own synthetic problems, cached per user.

`ensure_builtin_model()` returns its directory, training it first if the cache lacks it. The cache lives in
`$REASONING_WORKBENCH_CACHE`, else `$XDG_CACHE_HOME/reasoning-workbench`, else `~/.cache/reasoning-workbench`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reasoning.tiny_model.train import BootstrapConfig

__all__ = ["BootstrapConfig", "cache_root", "builtin_model_path", "ensure_builtin_model"]


def cache_root() -> Path:
    explicit = os.environ.get("REASONING_WORKBENCH_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reasoning-workbench"


def builtin_model_path(config: BootstrapConfig | None = None, cache_dir: Path | None = None) -> Path:
    config = config or BootstrapConfig()
    return (cache_dir or cache_root()) / "models" / f"builtin-{config.key()}"


def ensure_builtin_model(
    config: BootstrapConfig | None = None, cache_dir: Path | None = None, *, force: bool = False, progress: bool = True
) -> Path:
    """The built-in model's directory, trained now if missing (or if `force`)."""
    from reasoning.tiny_model.train import train_builtin_model

    config = config or BootstrapConfig()
    final = builtin_model_path(config, cache_dir)
    if (final / "config.json").exists() and not force:
        return final
    # Train into a scratch directory and rename, so an interrupted bootstrap never leaves a half-written model.
    scratch = final.with_name(final.name + f".partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    train_builtin_model(config, scratch, progress=progress)
    if final.exists():
        shutil.rmtree(final)
    scratch.rename(final)
    return final
