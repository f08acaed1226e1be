"""Best-first search over substitution steps and finishers, with a per-problem time limit.

Nodes are goal states; edges are actions (a substitution macro or a finisher attempt), ranked by a `Policy`.
A goal with a numerical counterexample is refuted (every step is an equivalence, so a counterexample anywhere
refutes the root): random points are tried before any search, a local optimisation once the first action has
failed. Every certificate is re-checked by `checker.check_certificate` before the result says 'proved'.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy as sp

from reasoning.ineq.certificate import build_certificate
from reasoning.ineq.checker import check_certificate
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.finishers.common import DeadlineReached, Goal, add, degree, is_homogeneous, mul
from reasoning.ineq.finishers.common import poly_str
from reasoning.ineq.goal_features import prefixed, statement_features
from reasoning.ineq.normalize import (
    apply_macro, candidate_steps, conjugate, difference_of_squares, goal_of, homogenize,
)
from reasoning.ineq.numeric import relative_slack
from reasoning.ineq.policy import TARGET_PREFIXES, HeuristicPolicy, LearnedPolicy, Policy, TunedPolicy
from reasoning.ineq.problem import Problem
from reasoning.ineq.transforms import State, StepError, initial_state, is_polynomial_state


@dataclass(frozen=True)
class ProofResult:
    """Outcome of `prove`: status is 'proved', 'refuted', 'unknown' (search exhausted, every attempt run to its end)
    or 'timeout' (out of time, or an attempt was cut short by its share of the time)."""

    status: str
    certificate: dict | None = None
    nodes: int = 0
    seconds: float = 0.0
    method: str = ""
    message: str = ""
    counterexample: dict | None = None
    # (state features, action, label) for policy training; label 1 = the action closed its goal (a finisher) or led to
    # a goal below which a proof was found (a substitution)
    trace: list = field(default_factory=list, repr=False)
    # indices into `trace` of labels 0 that the search's time limit decided rather than the goal: finisher attempts
    # cut short by their share of the time, and substitutions whose subtree still had untried actions at the end
    cut_short: list = field(default_factory=list, repr=False)
    open_subtrees: list = field(default_factory=list, repr=False)


@dataclass
class _Node:
    state: State
    steps: list[dict]
    depth: int
    goal: Goal | None = None
    hom: tuple | None = None
    conj: tuple | None = None
    dsq: tuple | None = None
    mul: dict | None = None  # a positive multiplier M for the *_mul finishers (M * goal is built only if tried)
    radical: tuple | None = None  # `radical_bounds(state)`, found when the actions are listed, used if tried
    features: dict = field(default_factory=dict)
    index: int = 0  # order of creation in the search (children come after their parent)


def _symmetric(goal: Goal) -> bool:
    n = goal.nvars
    if n > 4:
        return False
    for i, j in itertools.combinations(range(n), 2):
        swapped = {tuple(m[j] if k == i else m[i] if k == j else m[k] for k in range(n)): c
                   for m, c in goal.poly.items()}
        if swapped != goal.poly:
            return False
    return True


def _state_key(state: State) -> str:
    """The state with its variables renamed by position, so that a substitution and its inverse (or two orders of
    the same substitutions) lead back to one key."""
    rename = {sym: sp.Symbol(f"v{i}") for i, sym in enumerate(state.symbols.values())}
    show = lambda e: str(e.xreplace(rename))
    return repr((tuple(d for _, d in state.domains), show(state.expr), sorted(show(e) for e in state.equalities),
                 sorted((show(g), s) for g, s in state.inequalities), state.strict))


def _make_node(state: State, steps: list[dict], depth: int, goal_features: bool = False) -> _Node:
    """A search node; `goal_features` adds the features of each finisher's target goal (`_target_features`) and of
    the statement itself (`statement_features`), which only the learned policy reads."""
    node = _Node(state, steps, depth)
    f = {"nvars": len(state.names), "depth": depth, "equalities": len(state.equalities),
         "inequalities": len(state.inequalities), "real_domain": float(any(d == "real" for _, d in state.domains)),
         "fraction": float(any(e.is_Pow and e.exp.is_negative for e in sp.preorder_traversal(state.expr))),
         "product_equality": float(any(len(sp.Add.make_args(sp.expand(e))) == 2 and len(e.free_symbols) >= 2
                                       for e in state.equalities))}
    if is_polynomial_state(state):
        try:
            node.goal = goal_of(state)
        except StepError:
            node.goal = None
    if node.goal is not None:
        g = node.goal
        # homogenising a goal just scaled onto x1 + ... + xn = n would undo the step
        node.hom = homogenize(g) if not (steps and steps[-1]["kind"] == "scale") else None
        node.conj = conjugate(g) if g.equalities else None
        if g.equalities and node.hom is None:
            found = difference_of_squares(g)
            if found is not None:
                node.dsq = (found[0], found[1], homogenize(found[0]))
        node.mul = _with_multiplier(g)
        f.update(has_hom=float(node.hom is not None), has_conj=float(node.conj is not None),
                 has_dsq=float(node.dsq is not None))
        f.update(polynomial=1.0, degree=degree(g.poly), log_terms=math.log1p(len(g.poly)),
                 homogeneous=float(is_homogeneous(g.poly)), symmetric=float(_symmetric(g)),
                 neg_fraction=sum(c < 0 for c in g.poly.values()) / max(len(g.poly), 1),
                 slack=relative_slack(g.poly, g.nonneg))
        if goal_features:
            f.update(_target_features(node))
    else:
        f.update(radicals=1.0)
    if goal_features:
        f.update(statement_features(state))
    node.features = f
    return node


def _target_features(node: _Node) -> dict[str, float]:
    """Features of the goals the finishers would run on, under the prefixes of `policy.target_prefix`."""
    out = prefixed("g_", node.goal)
    for variant, prefix in TARGET_PREFIXES.items():
        out.update(prefixed(prefix, _target_goal(node, variant)))
    return out


def _target_goal(node: _Node, variant: str) -> Goal | None:
    """The goal a finisher variant runs on ('' plain, 'hom', 'dsq', 'conj', 'mul'); None where the node has none."""
    if variant == "hom":
        return node.hom[0] if node.hom is not None else None
    if variant == "conj":
        return node.conj[0] if node.conj is not None else None
    if variant == "mul":
        return replace(node.goal, poly=mul(node.goal.poly, node.mul)) if node.mul is not None else None
    if variant == "dsq":
        if node.dsq is None:
            return None
        goal, _, hom = node.dsq
        return hom[0] if hom is not None else goal
    return node.goal


def _with_multiplier(goal: Goal) -> dict | None:
    """A multiplier M > 0 on the domain (the checker's `_positive_multiplier` rule), or None.

    - unconstrained goals in positive variables (for `lp_mul`): M = x1 + ... + xn, a Polya-type multiplier
      (a^2 + b^2 + c^2 + 2abc + 1 >= 2(ab + bc + ca) has no LP certificate, but (a + b + c) times it has);
    - goals with equality constraints in nonnegative variables (for `sos_mul` and `lp_mul`): M = (1 + x1 + ... + xn)^2,
      > 0 by its constant term (USAMO 2001, 2 - (ab + bc + ca - abc) >= 0 on a^2 + b^2 + c^2 + abc = 4: the SDP finds
      no degree-6 certificate of the goal itself, but one of M times it). A constrained goal that is not
      homogenisable (degrees of both parities under ab + bc + ca = 3) often holds only through a factor like
      a + b + c - 3 or 1 - abc, which no LP certificate of the goal itself can show; times M the LP can pair it with
      its conjugate (q3_recip_bound: the cleared goal has degree 9, M times it an LP certificate)."""
    n = goal.nvars
    xs = {tuple(int(i == j) for i in range(n)): Fraction(1) for j in range(n)}
    if not goal.equalities and not goal.inequalities and all(d == "positive" for d in goal.domains):
        return xs
    if goal.equalities and not goal.inequalities and all(goal.nonneg):
        one_plus = add(xs, {(0,) * n: Fraction(1)})
        return mul(one_plus, one_plus)
    return None


def _runs_on(family: str, goal: Goal, config: ProverConfig, deg: int | None = None) -> bool:
    """Whether finisher `family` is enabled and would run on goal (of degree deg) at all: an attempt it refuses
    outright still costs the search a node (the Buffalo Way on 5 variables, the LP beyond its row limit)."""
    from reasoning.ineq.finishers.amgm_lp import lp_applicable
    from reasoning.ineq.finishers.buffalo import buffalo_applicable
    from reasoning.ineq.finishers.sos_sdp import sos_applicable

    if family not in config.finishers:
        return False
    if family == "lp":
        return lp_applicable(goal, deg)
    return buffalo_applicable(goal) if family == "buffalo" else sos_applicable(goal)


def _actions(node: _Node, config: ProverConfig) -> list[str]:
    out = []
    g = node.goal
    if g is not None:
        small = degree(g.poly) <= config.sos_max_degree
        if node.hom is not None:
            out += [a for a, fin in (("lp_hom", "lp"), ("buffalo_hom", "buffalo"), ("sos_hom", "sos"))
                    if _runs_on(fin, node.hom[0], config) and (fin != "sos" or small)]
        if node.conj is not None:
            out += [a for a, fin in (("lp_conj", "lp"), ("buffalo_conj", "buffalo"))
                    if _runs_on(fin, node.conj[0], config)]
        if node.dsq is not None:
            out += [a for a, fin in (("lp_dsq", "lp"), ("sos_dsq", "sos"))
                    if _runs_on(fin, _target_goal(node, "dsq"), config)]
        if _runs_on("lp", g, config):
            out.append("lp")
        if node.mul is not None and _runs_on("lp", g, config, degree(g.poly) + degree(node.mul)):
            out.append("lp_mul")
        if _runs_on("buffalo", g, config):
            out.append("buffalo")
        if small and _runs_on("sos", g, config):
            out.append("sos")
        if node.mul is not None and g.equalities and degree(g.poly) + degree(node.mul) <= config.sos_max_degree \
                and _runs_on("sos", g, config):
            out.append("sos_mul")
    from reasoning.ineq.finishers.radical_bound import radical_bounds
    from reasoning.ineq.finishers.tangent import tangent_bounds
    if node.depth == 0 and tangent_bounds(node.state) is not None:  # tangent trick, nested proofs
        out.append("tangent")
    if g is None:
        node.radical = radical_bounds(node.state)
        if node.radical is not None:  # Cauchy / AM-GM scaling of radicals, nested proofs
            out.append("radical_bound")
    return out


def _run_finisher(action: str, node: _Node, deadline: float) -> tuple[dict | None, list | None, str]:
    """(finisher proof or None, extra equality multipliers, positive multiplier M as text)."""
    from reasoning.ineq.finishers.amgm_lp import lp_certificate
    from reasoning.ineq.finishers.buffalo import buffalo_certificate
    from reasoning.ineq.finishers.sos_sdp import sos_certificate

    if action == "tangent":
        from reasoning.ineq.finishers.tangent import tangent_proof
        return tangent_proof(node.state, deadline), None, "1"
    if action == "radical_bound":
        from reasoning.ineq.finishers.radical_bound import radical_bound_proof
        return radical_bound_proof(node.state, node.radical, deadline), None, "1"
    base = {"lp": lp_certificate, "buffalo": buffalo_certificate, "sos": sos_certificate}[action.split("_")[0]]
    variant = action.split("_", 1)[1] if "_" in action else ""
    proof = base(_target_goal(node, variant), deadline=deadline)
    if variant == "hom":
        return proof, node.hom[1], "1"
    if variant == "conj":
        _, M, extra = node.conj
        if proof is not None:  # the reduced goal lost one equality: re-index the finisher's multipliers
            j = next(i for i, h in enumerate(extra) if h)
            hs = list(proof.get("equality_multipliers", []))
            proof = {**proof, "equality_multipliers": hs[:j] + [{}] + hs[j:]}
        return proof, extra, poly_str(M, node.goal.names)
    if variant == "mul":
        return proof, None, poly_str(node.mul, node.goal.names)
    if variant == "dsq":
        _, M, hom = node.dsq
        return proof, hom[1] if hom is not None else None, poly_str(M, node.goal.names)
    return proof, None, "1"


# One finisher attempt may use at most this share of the time left, so that an attempt that cannot converge (an SDP
# whose exact rounding keeps failing) leaves time for the other actions: prod1_sqrt_sum's sos_dsq took 52 s of a 60 s
# limit and the search timed out where a later lp_dsq proves it in 0.1 s. The longest proof in the bundled set
# (USAMO 2001's sos_mul, 21 s, tried 4 s in) needs well under half of what is left.
ATTEMPT_SHARE = 0.5


def _attempt_deadline(deadline: float) -> float:
    now = time.monotonic()
    return now + ATTEMPT_SHARE * max(deadline - now, 0.0)


def make_policy(config: ProverConfig) -> Policy:
    if config.policy == "learned":
        return LearnedPolicy.load(config.policy_path)
    return TunedPolicy() if config.policy == "tuned" else HeuristicPolicy()


def prove(problem: Problem, config: ProverConfig | None = None, policy: Policy | None = None) -> ProofResult:
    """Search for a certificate of `problem`; the returned certificate has passed the independent checker."""
    config = config or ProverConfig()
    policy = policy or make_policy(config)
    start = time.monotonic()
    parsed = problem.parse()
    refutation = None  # the counterexample search's costly stage, still to run
    if config.counterexample_samples:
        from reasoning.ineq.numeric import CounterexampleSearch

        refutation = CounterexampleSearch(parsed, samples=config.counterexample_samples, seed=config.seed)
        found = refutation.sampled()
        if found is not None:
            return _refuted(found, 0, start)
    frontier: list = []
    counter = itertools.count()
    trace: list = []  # (features, action, outcome, node id, child id): outcome 1 proved, 0 failed, -1 substitution
    cut: set[int] = set()  # trace indices of finisher attempts cut short by their share of the time
    interrupted: set[int] = set()  # the node whose attempt the search's own time limit stopped

    def labels() -> dict:  # the result's trace fields, as the search stands
        return _labels(trace, cut, {n.index for _, _, n, _, _ in frontier} | interrupted)

    ids = itertools.count()
    seen: set[str] = set()
    # the target-goal and statement features cost milliseconds per node: computed for a policy that reads them, and
    # for exploring searches, whose traces are the learned policy's training data
    goal_features = policy.uses_goal_features or config.explore

    def push(node: _Node) -> None:
        moves = [(a, None) for a in _actions(node, config)]
        if node.depth < config.max_depth:
            moves += [(name, macro) for name, macro in candidate_steps(node.state)]
        for name, macro in moves:
            heapq.heappush(frontier, (policy.score(node.features, name), next(counter), node, name, macro))

    root = _make_node(initial_state(parsed), [], 0, goal_features)
    root.index = next(ids)
    seen.add(_state_key(root.state))
    push(root)
    # cut_short: an attempt ran out of its share of the time, so an exhausted frontier does not mean "no proof here"
    nodes, last_error, cut_by_deadline, cut_short = 0, "", False, False
    first: ProofResult | None = None
    while frontier and nodes < config.max_nodes:
        if refutation is not None and nodes and first is None:
            # the local optimisation costs about as much as proving an easy goal, so it runs only once the first
            # action has failed; a true goal proved by its first action never pays for it
            found, refutation = refutation.optimised(), None
            if found is not None:
                return _refuted(found, nodes, start)
        if time.monotonic() - start > config.timeout_s:
            if first is not None:
                break
            return ProofResult("timeout", nodes=nodes, seconds=time.monotonic() - start, **labels())
        _, _, node, action, macro = heapq.heappop(frontier)
        nodes += 1
        if macro is not None:
            try:
                state = apply_macro(node.state, macro)
                key = _state_key(state)
                if key in seen:  # e.g. invert_all twice: no new goal, so not counted as an expanded node
                    trace.append((node.features, action, 0, node.index, None))
                    nodes -= 1
                    continue
                seen.add(key)
                child = _make_node(state, node.steps + macro, node.depth + 1, goal_features)
            except (StepError, ValueError, sp.PolynomialError) as error:  # a step that does not apply here
                trace.append((node.features, action, 0, node.index, None))
                last_error = str(error)
                continue
            child.index = next(ids)
            trace.append((node.features, action, -1, node.index, child.index))
            push(child)
            continue
        deadline = start + config.timeout_s
        try:
            proof, extra, multiplier = _run_finisher(action, node, _attempt_deadline(deadline))
        except DeadlineReached:
            if time.monotonic() < deadline:  # this attempt's share ran out, not the search's time
                cut.add(len(trace))
                trace.append((node.features, action, 0, node.index, None))
                last_error = f"{action} ran out of its share of the time"
                cut_short = True
                continue
            cut_by_deadline = True
            interrupted.add(node.index)
            break
        except (ValueError, ArithmeticError) as error:  # a numerical failure of one attempt, not of the search
            trace.append((node.features, action, 0, node.index, None))
            last_error = f"{action} failed: {type(error).__name__}: {error}"
            continue
        if proof is None:
            trace.append((node.features, action, 0, node.index, None))
            continue
        cert = build_certificate(problem, node.steps, node.state.names, proof, action, extra,
                                 len(node.state.equalities), multiplier)
        if config.check:
            verdict = check_certificate(cert)
            if not verdict.valid:
                trace.append((node.features, action, 0, node.index, None))
                last_error = f"certificate rejected by checker: {verdict.reason}"
                continue
        trace.append((node.features, action, 1, node.index, None))
        if first is None:
            first = ProofResult("proved", cert, nodes, time.monotonic() - start, action)
        if not config.explore:
            break
    if first is not None:
        return replace(first, **labels())
    found = refutation.optimised() if refutation is not None else None  # the search ended after one action
    if found is not None:
        return _refuted(found, nodes, start)
    if nodes == 0 and not frontier and not last_error:
        last_error = "no step or finisher applies to this goal"
        if root.goal is None and any(d == "real" for _, d in root.state.domains):
            last_error += " (roots and fractional powers are handled over nonnegative or positive variables only)"
    out_of_time = cut_by_deadline or cut_short or time.monotonic() - start > config.timeout_s
    status = "unknown" if (not frontier or nodes >= config.max_nodes) and not out_of_time else "timeout"
    return ProofResult(status, nodes=nodes, seconds=time.monotonic() - start, message=last_error,
                       **labels())


def _refuted(found, nodes: int, start: float) -> ProofResult:
    return ProofResult("refuted", nodes=nodes, seconds=time.monotonic() - start, counterexample=found.point,
                       message=f"goal is {found.value:.3g} at {found.point}")


def _labels(trace: list, cut: set[int], open_nodes: set[int]) -> dict:
    """`ProofResult`'s trace fields: the labelled trace, and which of its labels 0 the time limit decided (`cut`:
    attempts cut short; substitutions whose child, or a node below it, still had untried actions (`open_nodes`)
    and has no proof)."""
    parent = {child: node for _, _, outcome, node, child in trace if outcome == -1}
    open_below = set()
    for node in open_nodes:
        while node is not None and node not in open_below:
            open_below.add(node)
            node = parent.get(node)
    cleaned = _clean(trace)
    subtrees = [i for i, ((_, _, outcome, _, child), (_, _, label)) in enumerate(zip(trace, cleaned))
                if outcome == -1 and not label and child in open_below]
    return {"trace": cleaned, "cut_short": sorted(cut), "open_subtrees": subtrees}


def _clean(trace: list) -> list:
    """(features, action, label) with label 1 for the actions that closed their goal or lead to a goal below which a
    proof was found. (Labelling only the actions that start a *shortest* proof was tried: the model then preferred
    one-step SOS attempts over cheap substitutions, lost held-out problems to the time limit and saved no nodes.)"""
    proved: set[int] = set()  # ids of nodes with a proof found at or below them
    for _, _, outcome, node, child in sorted(trace, key=lambda t: -t[3]):  # children have larger ids than parents
        if outcome == 1 or (outcome == -1 and child in proved):
            proved.add(node)
    return [(f, action, int(outcome == 1 or (outcome == -1 and child in proved)))
            for f, action, outcome, node, child in trace]
