"""`reasoning ineq {prove,bench,check,synth,train-policy}`: the olympiad-inequality prover from the command line.

Cheap to import: argparse only; SymPy, SciPy and cvxpy are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys

from reasoning.ineq.config import POLICIES

_PREFIX = "reasoning ineq: error: "


def _error(message: str) -> int:
    print(_PREFIX + message, file=sys.stderr)
    return 2


def _config_args(p: argparse.ArgumentParser, timeout: float) -> None:
    p.add_argument("--timeout", type=float, default=timeout, help="seconds per problem (ProverConfig.timeout_s)")
    p.add_argument("--max-nodes", type=int, default=64, help="most actions tried per problem")
    p.add_argument("--max-depth", type=int, default=3, help="most substitution macros on one branch")
    p.add_argument("--finishers", default="lp,buffalo,sos", help="comma list from lp,buffalo,sos")
    p.add_argument("--policy", choices=POLICIES, default="tuned",
                   help="action ranking: tuned (hand-tuned costs), heuristic (generic costs and goal features), "
                        "learned (trained on search traces)")
    p.add_argument("--policy-path", default="",
                   help="weights file for --policy learned (default: the bundled reasoning/ineq/policy_weights.json)")
    p.add_argument("--samples", type=int, default=3000, help="random points in the counterexample search (0: off)")
    p.add_argument("--seed", type=int, default=0, help="seed of the counterexample search")
    p.add_argument("--explore", action="store_true",
                   help="keep searching after the first proof so traces label every action (policy training data)")


def _config(args):
    from reasoning.ineq.config import ProverConfig
    from reasoning.ineq.policy import bundled_policy_path

    if args.policy == "learned" and not args.policy_path and bundled_policy_path().exists():
        args.policy_path = str(bundled_policy_path())
    return ProverConfig(timeout_s=args.timeout, max_nodes=args.max_nodes, max_depth=args.max_depth,
                        finishers=tuple(f.strip() for f in args.finishers.split(",") if f.strip()),
                        policy=args.policy, policy_path=args.policy_path, counterexample_samples=args.samples,
                        seed=args.seed, explore=args.explore)


def _prove(args) -> int:
    from reasoning.ineq.certificate import save_certificate
    from reasoning.ineq.lean import to_lean
    from reasoning.ineq.parse import ParseError
    from reasoning.ineq.problem import Problem
    from reasoning.ineq.search import prove

    try:
        config = _config(args)
        problem = Problem(id="cli", vars=tuple(v.strip() for v in args.vars.split(",") if v.strip()),
                          domain=args.domain, goal=args.goal, constraints=tuple(args.constraint))
        problem.parse()
    except (ParseError, ValueError) as error:
        return _error(f"argument: {error}")
    result = prove(problem, config)
    print(f"{result.status} in {result.seconds:.2f}s, {result.nodes} nodes"
          + (f", method {result.method}" if result.method else "") + (f": {result.message}" if result.message else ""))
    if result.certificate is not None:
        if args.out:
            save_certificate(result.certificate, args.out)
            print(f"certificate written to {args.out}")
        if args.lean:
            with open(args.lean, "w") as handle:
                handle.write(to_lean(result.certificate))
            print(f"Lean 4 attempt (unchecked) written to {args.lean}")
    return 0 if result.status == "proved" else 1


def _load_selected(args) -> list:
    """The problems of args.file, narrowed to --ids and --tier where given (raises ParseError, OSError)."""
    from reasoning.ineq.problem import load_problems

    problems = load_problems(args.file)
    if args.ids:
        wanted = set(args.ids.split(","))
        problems = [p for p in problems if p.id in wanted]
    if getattr(args, "tier", ""):
        problems = [p for p in problems if p.tier == args.tier]
    return problems


def _bench(args) -> int:
    from reasoning.ineq.bench import run_bench
    from reasoning.ineq.parse import ParseError

    try:
        config = _config(args)
        problems = _load_selected(args)
    except (ParseError, ValueError, OSError) as error:
        return _error(str(error))
    if args.workers < 1:
        return _error("--workers must be >= 1")
    summary = run_bench(problems, config, args.out, workers=args.workers)
    print(json.dumps({k: summary[k] for k in ("overall", "by_tier", "statuses")}, indent=1))
    print(f"results in {args.out}/results.jsonl, summary in {args.out}/summary.json")
    return 0


def _check_in_child(cert: dict, memory_bytes: int, answer) -> None:
    import resource

    from reasoning.ineq.checker import check_certificate

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        verdict = check_certificate(cert)
        answer.send((verdict.status, verdict.reason))
    except MemoryError:
        answer.send(("invalid", f"the check needed more than {memory_bytes >> 20} MiB"))


def _check(args) -> int:
    """Check in a child process bounded in time and memory: a certificate is untrusted input."""
    import multiprocessing

    try:
        with open(args.cert) as handle:
            cert = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        return _error(f"{args.cert}: {error}")
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_check_in_child, args=(cert, args.memory_mib << 20, send), daemon=True)
    child.start()
    status, reason = "invalid", f"the check did not finish within {args.timeout:g} s (raise --timeout to wait longer)"
    if receive.poll(args.timeout):
        status, reason = receive.recv()
    elif child.exitcode not in (None, 0):
        reason = f"the checker process died (exit code {child.exitcode})"
    child.kill()
    child.join()
    problem = cert.get("problem", {}) if isinstance(cert, dict) else {}
    print(f"{status}: {reason}")
    if status == "valid":  # say what was proved: a valid certificate of some other statement proves nothing here
        constraints = ", ".join(problem.get("constraints") or []) or "none"
        print(f"proves: {problem.get('goal')}  for {','.join(problem.get('vars', []))} {problem.get('domain')}; "
              f"constraints: {constraints}")
    return 0 if status == "valid" else 1


def _train(args) -> int:
    from reasoning.ineq.policy import LearnedPolicy, trace_samples

    samples, problems = [], []  # problems: each sample's problem id, so that every problem weighs alike
    for path in args.traces:
        where = path
        try:
            with open(path) as handle:
                for number, line in enumerate(handle, 1):
                    where = f"{path}:{number}"
                    if line.strip():
                        row_samples, row_problems = trace_samples([json.loads(line)])
                        samples += row_samples
                        problems += row_problems
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            missing = f"no field {error}" if isinstance(error, KeyError) else str(error)
            return _error(f"reading traces at {where}: {missing}")
    if not samples:
        return _error("no trace samples found; run `reasoning ineq bench` first")
    policy = LearnedPolicy.train(samples, problems=problems)
    policy.save(args.out)
    print(f"trained on {len(samples)} samples ({sum(y for _, _, y in samples)} positive); weights in {args.out}")
    return 0


def _synth(args) -> int:
    from reasoning.ineq.parse import ParseError
    from reasoning.ineq.synthetic import synthesize

    try:
        seeds = _load_selected(args)
    except (ParseError, ValueError, OSError) as error:
        return _error(str(error))
    if not seeds:
        return _error("no seed problems (check --ids)")
    if args.count < 1:
        return _error("--count must be >= 1")
    problems = synthesize(seeds, args.count, seed=args.seed)
    try:
        with open(args.out, "w") as handle:
            handle.writelines(json.dumps(p.to_dict()) + "\n" for p in problems)
    except OSError as error:
        return _error(f"writing {args.out}: {error}")
    print(f"{len(problems)} synthetic problems rewritten from {len(seeds)} seeds written to {args.out}")
    return 0


def add_parser(subparsers) -> None:
    """Register `ineq` and its sub-subcommands on an argparse subparsers object."""
    ineq = subparsers.add_parser("ineq", help="olympiad-inequality prover with exactly checked certificates")
    sub = ineq.add_subparsers(dest="ineq_command", metavar="ACTION", required=True)

    p = sub.add_parser("prove", help="prove one inequality")
    p.add_argument("goal", help="the inequality, e.g. 'a/(b+c) + b/(c+a) + c/(a+b) >= 3/2'")
    p.add_argument("--vars", required=True, help="comma-separated variable names, e.g. a,b,c")
    p.add_argument("--domain", choices=("positive", "nonnegative", "real"), default="positive",
                   help="domain of every variable")
    p.add_argument("--constraint", action="append", default=[], help="a constraint such as 'a*b*c = 1' (repeatable)")
    p.add_argument("--out", default="", help="write the certificate JSON here")
    p.add_argument("--lean", default="", help="write a Lean 4 statement and proof attempt (unchecked) here")
    _config_args(p, 60.0)
    p.set_defaults(func=_prove)

    b = sub.add_parser("bench", help="prove every problem of a JSONL file; resumable")
    b.add_argument("file", help="problems JSONL (e.g. problems/inequalities/olympiad.jsonl)")
    b.add_argument("--out", required=True, help="output directory (results.jsonl, certs/, summary.json)")
    b.add_argument("--workers", type=int, default=1, help="problems proved in parallel (one process each)")
    b.add_argument("--ids", default="", help="only these comma-separated problem ids")
    b.add_argument("--tier", default="", help="only this tier (easy, medium, hard)")
    _config_args(b, 60.0)
    b.set_defaults(func=_bench)

    c = sub.add_parser("check", help="re-verify a certificate with the independent exact checker")
    c.add_argument("cert", help="certificate JSON file")
    c.add_argument("--timeout", type=float, default=120.0, help="seconds the check may take (then: not verified)")
    c.add_argument("--memory-mib", type=int, default=4096, help="memory the check may use")
    c.set_defaults(func=_check)

    y = sub.add_parser("synth", help="write synthetic training problems: true seed problems rewritten by "
                                     "truth-preserving moves (inversion, powers, Ravi, normalisation, ...)")
    y.add_argument("file", help="seed problems JSONL (e.g. the training split of the bundled set)")
    y.add_argument("--out", required=True, help="problems JSONL to write")
    y.add_argument("--count", type=int, default=300, help="problems to write")
    y.add_argument("--seed", type=int, default=0, help="random seed (the output is deterministic given it)")
    y.add_argument("--ids", default="", help="only these comma-separated seed problem ids")
    y.set_defaults(func=_synth)

    t = sub.add_parser("train-policy", help="fit the learned action-ranking policy on bench traces")
    t.add_argument("traces", nargs="+", help="traces.jsonl files written by `reasoning ineq bench` (best with "
                                             "--explore), of bundled and of synthetic problems alike")
    t.add_argument("--out", required=True, help="weights file to write")
    t.set_defaults(func=_train)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (`python -m reasoning.ineq.cli ...`) for use without the top-level CLI."""
    parser = argparse.ArgumentParser(prog="reasoning")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
