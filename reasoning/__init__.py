"""reasoning-workbench's engine: sampling backends, the solve engine, aggregation, the built-in model, and the CLI.

Importing this package does not import torch; backends load it when a model is loaded.
"""

from reasoning.aggregation import cluster_answers, maj_at_k, majority, pass_at_k
from reasoning.config import ConfigError, SamplingConfig, SolveConfig
from reasoning.solve import SolveResult, solve

__all__ = [
    "ConfigError",
    "SamplingConfig",
    "SolveConfig",
    "SolveResult",
    "cluster_answers",
    "maj_at_k",
    "majority",
    "pass_at_k",
    "solve",
]
