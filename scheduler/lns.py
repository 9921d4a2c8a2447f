"""Large-neighbourhood search: free a few modules of the best timetable, keep the rest, re-solve.

The construction (or an earlier stage) gives a complete timetable, possibly leaving somebody out.
Each step frees the groups of a few group modules — their members may change group, their
sessions may change time, room and staff — and holds every other session exactly where it is
(`build(..., fixed_membership=..., free_modules=..., frozen=...)`), so the model stays small at
any size. The modules chosen first are those of the people left out (and, for a weekly minimum,
the person's modules whose sessions wait for the next horizon), with more of the same site;
other steps free a few left-out people and their sessions only ("around people"), one group
they could join with every group of its members, to re-time it ("retime around"), or one module
somebody is left out of, alone and whole, searched longer ("alone"), or the whole site of the
most people left out, searched for the people it places only ("rescue", the first step while
somebody is out); with nobody left out, random modules. Between them, while somebody is left
out, modules are taken back whole and formed again by the construction ("ruin and recreate",
recreate.py): first, and after each step that places somebody. A step that finds nothing
better widens the next one. Every accepted timetable keeps the model's hard rules; the
objective only decreases.
"""

from __future__ import annotations

import math
import random
import threading
import time as clock_time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler import recreate
from scheduler.focus import Focus, focus, merge
from scheduler.goals import left_out, measure, objective_value
from scheduler.model import BuiltModel, build
from scheduler.problem import Problem, Weights
from scheduler.relaxation import weights_nonneg
from scheduler.repair import repaired
from scheduler.slots import Calendar, deferred_keys
from scheduler.timetable import Group, Session, Timetable
from scheduler.unplaced import list_unplaced


@dataclass(frozen=True)
class Best:
    """The engine's best timetable so far, with CP-SAT's bound where its search proved one."""

    status: str
    sessions: list[Session]
    groups: list[Group]
    objective: float
    bound: float | None


# one step's CP-SAT time at most; a step also ends once it stops improving (STALL_SECONDS
# without a better timetable, or as long as it took to find the last one)
STEP_SECONDS = 3.0
STALL_SECONDS = 0.4
# ... and this long in a step that places people (`alone`, `around_people`): placing a person
# is one long search with no better timetable on the way (the 300-person city week's Dari
# speaker: 1.5 s with that module alone, never within the usual stall; the unseen s2424, a
# person around people after 2.8 s)
PLACE_STALL_SECONDS = 2.0
# ... and with every worker of the solve (one worker left the second core idle through the
# longest steps; eleven unseen 300 weeks, seeds 0-2: 110 -> 97 left out)
PLACE_WITH_ALL_WORKERS = True
# the share of steps, while somebody is left out, that free one such module alone
SINGLE_SHARE = 0.34
# ... and, before those, that re-time a group of it with its members' other groups
RETIME_SHARE = 0.3
# ... and this share of them frees the whole site of somebody left out (`rescue`)
RESCUE_SHARE = 0.3
RESCUE_FIRST = True  # ... and the first step while somebody is left out is one
# a rescue's CP-SAT time at most, and its stall (a site takes longer than one module)
RESCUE_SECONDS = 4.5
RESCUE_STALL_SECONDS = 3.0
STEP_AT_LEAST = 0.2
# modules (or people) freed by a step at first; a step that finds nothing widens the next
WIDTH = 2
# the fixed-hint solve that completes a step's hint: at least this long, and this share of
# the step's model building
HINT_SECONDS = 0.5
HINT_SHARE_OF_BUILD = 0.4
# ejection chains after an improving step: at most this long (they usually take milliseconds)
REPAIR_SECONDS = 0.15
# people freed at once by a step "around people" (at least)
PEOPLE_AT_ONCE = 6
# ruin and recreate (recreate.py) while somebody is left out: first, and again after every
# step that places somebody; this many tries in a row without a better timetable end it
RECREATE_STALL = 8
# ... and before the first try of a solve, a try is taken to last this long per participant
# and week (measured: 0.1-0.2 s at 300 people, 0.3-0.7 s at 1,000, 0.4-1.1 s at 2,000 over
# two weeks): no try starts that could end past the deadline
RECREATE_GUESS_PER_PERSON = 0.0006


class _StallStop(cp_model.CpSolverSolutionCallback):
    """Ends a step's search once it has stopped finding better timetables, or has found one
    at `floor`, below which none can be (CP-SAT may go on for its own bound: a rescue that
    had placed everybody searched 4 s more)."""

    def __init__(self, stall: float = STALL_SECONDS, floor: float | None = None) -> None:
        super().__init__()
        self.stall = stall
        self.floor = floor
        self.t0 = clock_time.perf_counter()
        self.last = self.t0
        self.timer: threading.Timer | None = None

    def on_solution_callback(self) -> None:
        now = clock_time.perf_counter()
        self.last = now
        if self.floor is not None and self.objective_value <= self.floor + 0.5:
            self.stop_search()
            return
        self._arm(max(self.stall, now - self.t0))

    def _arm(self, wait: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        seen = self.last
        self.timer = threading.Timer(wait, lambda: self._stale(seen))
        self.timer.daemon = True
        self.timer.start()

    def _stale(self, seen: float) -> None:
        if self.last == seen:
            self.stop_search()

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def step_solver(time_limit: float, seed: int, workers: int = 1) -> cp_model.CpSolver:
    """The solver of a neighbourhood: one worker unless told (on these small models its own
    search improves faster than two interleaved ones, measured on the 300- and 1,000-person
    city weeks, and a step is the same for the same seed), and a model that must start from its
    hint at once: no LP, one presolve round, no probing, no symmetry detection (it alone takes
    0.5 s on a 1,000-person week)."""
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(time_limit, 0.01)
    prm.num_workers = max(workers, 1)
    prm.random_seed = seed
    prm.linearization_level = 0
    prm.max_presolve_iterations = 1
    prm.cp_model_probing_level = 0
    prm.symmetry_level = 0
    return solver


def complete_hint(model: cp_model.CpModel, time_limit: float) -> bool:
    """Turn a partial hint (groups, starts, rooms, staff) into a complete one, by solving with
    the hinted variables fixed: CP-SAT starts from a complete hint at once, while it may search
    a long time for the rest of a partial one."""
    return hinted_objective(model, time_limit) is not None


def hinted_objective(model: cp_model.CpModel, time_limit: float) -> float | None:
    """complete_hint, returning the hint's objective value (None: it does not fit)."""
    if time_limit <= 0:
        return None
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(solver.response_proto.solution)
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    return float(solver.objective_value)


@dataclass
class Neighbourhood:
    modules: set[str]  # group modules whose sessions are free (and membership, see `allowed`)
    frozen: dict[str, Session]  # every other session, held where it is
    # per participant of those modules, the groups they may take (None: any of the module's)
    allowed: dict[str, set[str]] | None = None
    site: str | None = None  # set by `rescue`: the site it frees whole
    waiting: str | None = None  # set by `waiting`: the module whose sessions it frees

    @property
    def placing_only(self) -> bool:
        """Searched for the people it places only (`placing_weights`): a rescue."""
        return self.site is not None


def _left_out_of_groups(
    problem: Problem, best: Best, individual: set[str]
) -> list[tuple[str, str]]:
    """(participant, module) for everybody the timetable leaves out of a group module."""
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    return [(pid, mid) for pid, mid, _ in left_out(problem, trial) if mid and mid not in individual]


def around_people(
    problem: Problem, best: Best, rng: random.Random, width: int, individual: set[str]
) -> Neighbourhood | None:
    """A few people left out of a module: that module's sessions may move and they may join
    any of its groups, their other sessions may move too; everybody else keeps their group."""
    sessions, groups = best.sessions, best.groups
    missing = _left_out_of_groups(problem, best, individual)
    if not missing:
        return None
    first = rng.choice(missing)
    site = problem.module(first[1]).site_id
    same = [x for x in missing if x != first and problem.module(x[1]).site_id == site]
    rng.shuffle(same)
    targets = [first, *same[: max(width, PEOPLE_AT_ONCE) - 1]]
    modules = {mid for _, mid in targets}
    people = {pid for pid, _ in targets}
    group_of = {(pid, g.module_id): g.id for g in groups for pid in g.participant_ids}
    ids_of: dict[str, list[str]] = {}
    for g in groups:
        ids_of.setdefault(g.module_id, []).append(g.id)
    allowed: dict[str, set[str]] = {}
    for e in problem.enrolments:
        if e.module_id not in modules:
            continue
        current = group_of.get((e.participant_id, e.module_id))
        formed = ids_of.get(e.module_id, [])
        # any group of the module, including one not formed yet
        every = {f"{e.module_id}#{n}" for n in range(1, len(formed) + 2)}
        if (e.participant_id, e.module_id) in targets:
            allowed.setdefault(e.participant_id, set()).update(every)
        elif current is not None:
            # their own group, or the new one: a group of its minimum size can form around
            # the person left out (the unseen city weeks' witnesses: a fifth job club of three)
            allowed.setdefault(e.participant_id, set()).update({current, *(every - set(formed))})
    mine = {gid for (pid, _), gid in group_of.items() if pid in people}
    free_keys = {s.key for s in sessions if s.module_id in modules or s.group_id in mine}
    frozen = {s.key: s for s in sessions if s.key not in free_keys}
    return Neighbourhood(modules, frozen, allowed)


def retime_around(
    problem: Problem, best: Best, rng: random.Random, individual: set[str]
) -> Neighbourhood | None:
    """The people left out of one group module and one of its groups they could join: that
    group's sessions, and those of every group its members and they are in, may move (time,
    room and staff; nobody changes group but them, who may join it), with the individual
    sessions of those people. A group whose time suits nobody left out needs its members'
    other groups to make way (the unseen s3131: Rights and duties met on Monday morning, when
    three of its twelve have a course; its witness meets on Monday afternoon)."""
    missing = _left_out_of_groups(problem, best, individual)
    if not missing:
        return None
    _, head = rng.choice(missing)
    md = problem.module(head)
    targets = {pid for pid, mid in missing if mid == head}
    room = [g for g in best.groups if g.module_id == head and len(g.participant_ids) < md.group_max]
    if not room:
        return None
    joined = rng.choice(room)
    people = set(joined.participant_ids) | targets
    moving = {g.id for g in best.groups if not people.isdisjoint(g.participant_ids)}
    free_keys = {
        s.key
        for s in best.sessions
        if s.group_id in moving
        or (s.module_id in individual and not people.isdisjoint(s.participant_ids))
    }
    allowed: dict[str, set[str]] = {pid: {joined.id} for pid in targets}
    for g in best.groups:
        if g.module_id == head:
            for pid in g.participant_ids:
                allowed[pid] = {g.id}
    frozen = {s.key: s for s in best.sessions if s.key not in free_keys}
    return Neighbourhood({head}, frozen, allowed)


def rescue(
    problem: Problem,
    best: Best,
    individual: set[str],
    tried: set[str],
) -> Neighbourhood | None:
    """The whole site of the most people left out (not in `tried`: sites whose step found
    nothing since the last improvement): every group module there (groups, members, times,
    rooms, staff) with its people's individual sessions, searched for the people it places
    only. Where a module needs one group more than the construction formed, its members must
    come from groups whose times suit them, which their other groups hold in turn: the unseen
    s2626 left five out of one site's activation groups (a level needed a group more than the
    construction formed), which no step around them could place."""
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    enrolled: dict[str, list[str]] = {}
    for e in problem.enrolments:
        enrolled.setdefault(e.participant_id, []).append(e.module_id)
    out: Counter[str] = Counter()
    for pid, module_id, _ in left_out(problem, trial):
        # a weekly minimum counts at the sites of the person's modules
        for mid in [module_id] if module_id is not None else enrolled.get(pid, []):
            out[problem.module(mid).site_id] += 1
    site = next((site for site, _ in out.most_common() if site not in tried), None)
    if site is None:
        return None
    modules = {md.id for md in problem.modules if md.site_id == site and md.id not in individual}
    if not modules:
        return None
    people = {e.participant_id for e in problem.enrolments if e.module_id in modules}
    free_keys = {
        s.key
        for s in best.sessions
        if s.module_id in modules
        or (s.module_id in individual and not people.isdisjoint(s.participant_ids))
    }
    frozen = {s.key: s for s in best.sessions if s.key not in free_keys}
    return Neighbourhood(modules, frozen, site=site)


def placing_weights(problem: Problem) -> Problem:
    """The problem whose objective counts the people left out (and sessions skipped) as the
    week's own does, a session left to the next horizon as 1 and nothing else, re-planning's
    stability kept: the other goals slow placing people down (s2626's site from the
    construction, 6 s with two workers: 4 and 7 of its 7 placed on two seeds, against 2 and 1
    with every goal). Skipping stays as dear as leaving out: at 0, the step skips sessions to
    make room."""
    w = problem.weights
    keep = replace(
        Weights(**{name: 0 for name in vars(w)}),
        unplaced=w.unplaced,
        skipped_sessions=w.skipped_sessions,
        deferred_sessions=min(w.deferred_sessions, 1),
        sessions_moved=w.sessions_moved,
        participants_regrouped=w.participants_regrouped,
    )
    return replace(problem, weights=keep)


def waiting(
    problem: Problem, best: Best, rng: random.Random, tried: set[str]
) -> Neighbourhood | None:
    """A module with sessions left to the next horizon (one not in `tried`), alone and whole:
    its groups, members, times, rooms and staff."""
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    modules = sorted({key.rpartition("#")[0] for key in deferred_keys(problem, trial)} - tried)
    if not modules:
        return None
    head = rng.choice(modules)
    individual = problem.module(head).individual
    frozen = {s.key: s for s in best.sessions if s.module_id != head}
    return Neighbourhood(set() if individual else {head}, frozen, waiting=head)


def alone(
    problem: Problem, best: Best, rng: random.Random, individual: set[str]
) -> Neighbourhood | None:
    """One module somebody is left out of, alone and whole (its groups, members, times, rooms
    and staff), with the individual sessions of the people left out of it."""
    missing = _left_out_of_groups(problem, best, individual)
    if not missing:
        return None
    _, head = rng.choice(missing)
    people = {pid for pid, mid in missing if mid == head}
    free_keys = {
        s.key
        for s in best.sessions
        if s.module_id == head or (s.module_id in individual and set(s.participant_ids) & people)
    }
    return Neighbourhood({head}, {s.key: s for s in best.sessions if s.key not in free_keys})


def choose(
    problem: Problem,
    best: Best,
    rng: random.Random,
    width: int,
    individual: set[str],
    sticky: set[str] | None = None,
) -> Neighbourhood:
    """The modules to free: `sticky` ones (a neighbourhood still improving), else those of the
    people left out first, else a random few."""
    sessions, groups = best.sessions, best.groups
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    missing = left_out(problem, trial)
    enrolled: dict[str, list[str]] = {}
    for e in problem.enrolments:
        enrolled.setdefault(e.participant_id, []).append(e.module_id)
    group_modules = [md.id for md in problem.modules if md.id not in individual]
    # modules whose sessions wait for the next horizon: placing them gives hours back
    waiting = {key.rpartition("#")[0] for key in deferred_keys(problem, trial)}
    wanted: Counter[str] = Counter()
    for pid, module_id, _week in missing:
        if module_id is not None:
            wanted[module_id] += 2  # the module somebody is missing from
        else:
            # a weekly minimum: any of the person's modules may give the missing hours, first
            # one whose session was left to the next horizon
            for other in enrolled.get(pid, []):
                wanted[other] += 4 if other in waiting else 1
    chosen: set[str] = set(sticky or ())
    ranked = [mid for mid, _ in wanted.most_common() if mid not in individual]
    if ranked and not chosen:
        # one of the most wanted (in turn), then more of its site's modules (its people meet
        # there), the wanted ones first, in a random order so that steps differ
        top = ranked[: max(3, width)]
        head = rng.choice(top)
        site = problem.module(head).site_id
        rest = [mid for mid in group_modules if mid != head and problem.module(mid).site_id == site]
        rng.shuffle(rest)
        rest.sort(key=lambda mid: -wanted[mid])
        chosen = {head, *rest[: width - 1]}
    while len(chosen) < min(width, len(group_modules)):
        chosen.add(rng.choice(group_modules))
    # individual coaching of the people concerned (left out of a freed module, or short of
    # hours while in one) moves with them
    members = {e.participant_id for e in problem.enrolments if e.module_id in chosen}
    people = {pid for pid, _, _ in missing if pid in members}
    free_keys = {
        s.key
        for s in sessions
        if s.module_id in chosen or (s.module_id in individual and set(s.participant_ids) & people)
    }
    frozen = {s.key: s for s in sessions if s.key not in free_keys}
    return Neighbourhood(chosen, frozen)


def step_model(
    problem: Problem,
    best: Best,
    hood: Neighbourhood,
    cal: Calendar,
    individual: set[str],
) -> tuple[BuiltModel, dict[str, list[str]], Focus]:
    """A step's model: the neighbourhood's own problem (what its free sessions touch, see
    focus.py), every other membership as it is, the free sessions searched; with the
    membership the step starts from and the focus."""
    part = focus(problem, best.sessions, hood.modules, hood.frozen)
    if hood.placing_only:
        part = replace(part, problem=placing_weights(part.problem))
    membership = {
        g.id: list(g.participant_ids)
        for g in best.groups
        if g.module_id not in individual and g.module_id in part.modules
    }
    built = build(
        part.problem,
        fixed_membership=membership,
        free_modules=hood.modules,
        frozen={k: s for k, s in hood.frozen.items() if s.module_id in part.modules},
        allowed_groups=hood.allowed,
        symmetry=False,
        # staff members busy outside the focus: their answers are its own
        cal=cal.elsewhere(part.busy, part.used),
    )
    return built, membership, part


def improve(
    problem: Problem,
    best: Best,
    *,
    cal: Calendar,
    deadline: float,
    seed: int,
    workers: int,
    hint: Callable[..., None],
    extract: Callable[..., tuple[list[Session], list[Group]]],
    report: Callable[[float], None] | None = None,
    stop: threading.Event | None = None,
    target: float | None = None,
    until_complete: bool = False,
    longest_build: list[float] | None = None,
) -> tuple[Best, int]:
    """Large-neighbourhood steps until the deadline, `target` reached, or (`until_complete`)
    nobody left out; the best and the number of improving steps."""
    rng = random.Random(seed)  # noqa: S311 (a search's choices, not a secret)
    individual = {md.id for md in problem.modules if md.individual}
    width, improved = WIDTH, 0
    sticky: set[str] | None = None
    # the first step with somebody left out frees their site (`rescue`)
    rescue_again = RESCUE_FIRST
    rescued: set[str] = set()  # sites freed whole for nothing since the last improvement
    recreate_now = True  # modules formed again by the construction (first, and after placing)
    longest_try = [RECREATE_GUESS_PER_PERSON * len(problem.participants) * problem.horizon.weeks]
    awaited: set[str] = set()  # modules with waiting sessions freed for nothing since then
    n_modules = max(len(problem.modules) - len(individual), 1)
    # a step's model building is not bounded by CP-SAT's limit: keep room for the longest so
    # far (`longest_build` carries it over from an earlier call)
    longest = longest_build if longest_build is not None else [0.0]
    while True:
        left = deadline - clock_time.perf_counter()
        if left < STEP_AT_LEAST + 1.5 * longest[0] or (stop is not None and stop.is_set()):
            break
        if target is not None and best.objective <= target + 1e-6:
            break
        missing_now = bool(
            left_out(problem, Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups))
        )
        if until_complete and not missing_now:
            break
        if missing_now and recreate_now:
            recreate_now = False
            found = recreated_best(problem, best, cal, rng, deadline, stop, longest_try)
            if found is not None:
                best = found
                improved += 1
                if report is not None:
                    report(best.objective)
                rescued.clear()
                awaited.clear()
                sticky = None
                continue
        hood = None
        single = False
        if sticky is None and not missing_now:
            # once nobody is left out (placing people comes first): cheap, a module alone,
            # tried once until a step improves
            hood = waiting(problem, best, rng, awaited)
        if (
            hood is None
            and missing_now
            and (rescue_again or (sticky is None and rng.random() < RESCUE_SHARE))
        ):
            hood = rescue(problem, best, individual, rescued)
            rescue_again = False
        if hood is None and sticky is None and missing_now and rng.random() < RETIME_SHARE:
            hood = retime_around(problem, best, rng, individual)
        if hood is None and sticky is None and missing_now and rng.random() < SINGLE_SHARE:
            hood = alone(problem, best, rng, individual)
            single = hood is not None
        if hood is None and sticky is None and rng.random() < 0.5:
            hood = around_people(problem, best, rng, width, individual)
        if hood is None:
            hood = choose(problem, best, rng, width, individual, sticky)
        built, membership, part = step_model(problem, best, hood, cal, individual)
        longest[0] = max(longest[0], built.build_seconds)  # load varies: the longest so far
        hint(built, membership, [s for s in best.sessions if s.module_id in part.modules])
        # completing the hint takes longer on bigger models (about a tenth of their building
        # time on the 2,000-person weeks): a step whose hint is cut short is wasted
        hint_time = max(HINT_SECONDS, HINT_SHARE_OF_BUILD * built.build_seconds)
        start = hinted_objective(built.model, min(hint_time, deadline - clock_time.perf_counter()))
        if start is None:
            width = min(width + 1, n_modules)  # the best does not fit this model: look wider
            continue
        left = deadline - clock_time.perf_counter()
        if left < STEP_AT_LEAST / 2:
            break
        placing = single or bool(hood.allowed) or hood.placing_only
        # placing a person (a step around one module, or around people) is one long search
        seconds, stall = STEP_SECONDS, PLACE_STALL_SECONDS if placing else STALL_SECONDS
        floor = None
        if hood.placing_only:
            seconds, stall = RESCUE_SECONDS, RESCUE_STALL_SECONDS
            # its objective is never below 0 when every weight it keeps is >= 0
            floor = 0.0 if weights_nonneg(part.problem) else None
        solver = step_solver(
            min(seconds, left),
            rng.randrange(1 << 30),
            workers if placing and PLACE_WITH_ALL_WORKERS else 1,
        )
        watch = _StallStop(stall, floor)
        status = solver.solve(built.model, watch)
        watch.close()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < start - 0.5:
            # better on the step's own problem: measured on the whole week (the staff-load
            # spread spans staff the step does not hold)
            sessions, groups = merge(
                (best.sessions, best.groups), extract(built, solver), part.modules
            )
            objective = whole_objective(problem, cal, sessions, groups)
            if objective < best.objective:
                # ejection chains may place somebody more, at no solver time
                chained = repaired(
                    problem,
                    cal,
                    sessions,
                    groups,
                    objective,
                    deadline=min(deadline, clock_time.perf_counter() + REPAIR_SECONDS),
                )
                if chained is not None:
                    sessions, groups, objective = chained
                # placed somebody (a unit of `unplaced` outweighs every other goal's gain)
                placed = best.objective - objective >= max(problem.weights.unplaced, 1)
                best = Best("FEASIBLE", sessions, groups, objective, None)
                improved += 1
                if report is not None:
                    report(objective)
                # it placed somebody and was still improving: the same neighbourhood again
                again = placed and status == cp_model.FEASIBLE and not hood.allowed
                # (a site freed for the people it places: again, for whoever is still out)
                rescue_again = again and hood.placing_only
                rescued.clear()
                awaited.clear()
                # (only after placing somebody: on the M week, tries after every small gain
                # took the time its proof needs)
                recreate_now = placed
                sticky = hood.modules if again and not hood.placing_only else None
                continue
        sticky = None
        if hood.site is not None:
            rescued.add(hood.site)
        if hood.waiting is not None:
            awaited.add(hood.waiting)
        # nothing better here: look wider next time
        width = min(width + 1, n_modules)
    return best, improved


def recreated_best(
    problem: Problem,
    best: Best,
    cal: Calendar,
    rng: random.Random,
    deadline: float,
    stop: threading.Event | None = None,
    longest: list[float] | None = None,
) -> Best | None:
    """Ruin-and-recreate tries (recreate.py) from `best`, each kept when the whole week's
    objective falls, until `RECREATE_STALL` tries in a row find nothing better, nobody is
    left out or time runs short (`longest` holds the longest try so far, carried between
    calls); the better timetable, or None."""
    found: Best | None = None
    misses = 0
    longest = longest if longest is not None else [0.0]
    while misses < RECREATE_STALL and not (stop is not None and stop.is_set()):
        began = clock_time.perf_counter()
        if deadline - began < STEP_AT_LEAST + 1.5 * longest[0]:
            break
        now = found or best
        pick = recreate.choose(problem, now.sessions, now.groups, rng)
        if pick is None:
            break
        sessions, groups = recreate.recreated(problem, cal, now.sessions, now.groups, *pick)
        objective = whole_objective(problem, cal, sessions, groups)
        longest[0] = max(longest[0], clock_time.perf_counter() - began)
        if objective < now.objective:
            found = Best("FEASIBLE", sessions, groups, objective, None)
            misses = 0
        else:
            misses += 1
    return found


def whole_objective(
    problem: Problem, cal: Calendar, sessions: list[Session], groups: list[Group]
) -> float:
    """The objective of a timetable of the whole week, as the engine reports it; infinite if
    it breaks a rule (a step's own problem approximates the rest of the week: never trusted)."""
    from scheduler.interpreters import book
    from scheduler.verify import verify

    book(problem, sessions)  # a step's model knows only its own sessions' bookings
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(problem, trial, cal)
    if verify(problem, trial):
        return math.inf
    return objective_value(problem, measure(problem, trial))
