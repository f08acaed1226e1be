"""Problem sets: loading files in common public formats, and the bundled synthetic splits."""

from problems.loading import LoadReport, ProblemLoadError, bundled_names, load, load_with_report
from problems.problem import Problem

__all__ = ["Problem", "ProblemLoadError", "LoadReport", "load", "load_with_report", "bundled_names"]
