"""A user scorer for the `fn:MODULE:FUNCTION` tests: prefers completions that show their work."""


def prefers_long(question: str, completion: str) -> float:
    return float(len(completion))
