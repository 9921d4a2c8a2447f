"""Who staffs an individual session: the roles a module asks for and the people bound to them.

One place for the role mix every stage reads (model, construct, greedy, bound, focus,
precheck). An individual session (AMIE's weekly interview, Ghent's social worker and mediator,
Brussels' three-way final evaluation) needs:

- the module's `staff_required`, as given;
- the participant's referent in the module's `referent_role` (one of that role's seats; the
  role gets one seat if the module names none); `referent_role` null: any qualified staff;
- with `with_referrer`, the participant's referring social worker (`referrer_id`) in a seat of
  its own (REFERRER), when that person is a staff member of the problem: a referrer outside
  the problem (an outside social worker without a calendar here) cannot be planned, so the
  session is planned without them. A referrer who is also the referent takes one seat only.

verify.py re-derives the same rule from the data on its own (it shares no code with this).
"""

from __future__ import annotations

from collections.abc import Collection

from scheduler.problem import REFERRER, Module, Participant


def referent_for(module: Module, participant: Participant | None) -> tuple[str, str | None] | None:
    """The role the participant's referent takes in the module's individual sessions and who
    that is (None as the id: the participant has no referent); None when no one is bound."""
    if not module.individual or not module.referent_role or participant is None:
        return None
    return module.referent_role, participant.referent_coach_id


def referrer_for(
    module: Module, participant: Participant | None, staff_ids: Collection[str]
) -> str | None:
    """The referring social worker who joins the participant's individual session, if any."""
    if not module.individual or not module.with_referrer or participant is None:
        return None
    rid = participant.referrer_id
    if rid is None or rid not in staff_ids:
        return None
    referent = referent_for(module, participant)
    if referent is not None and referent[1] == rid:
        return None  # already there as the referent
    return rid


def required_roles(
    module: Module, participant: Participant | None = None, staff_ids: Collection[str] = ()
) -> dict[str, int]:
    """Seats per role of a session (an individual one: for `participant`), the referrer's
    seat included; roles with a count of 0 or less are left out."""
    required = dict(module.staff_required)
    if module.individual and module.referent_role:
        required.setdefault(module.referent_role, 1)  # a count of 0 given stays 0
    required = {role: n for role, n in required.items() if n > 0}
    if referrer_for(module, participant, staff_ids) is not None:
        required[REFERRER] = 1
    return required


def bound_staff(
    module: Module, participant: Participant | None, staff_ids: Collection[str]
) -> dict[str, str | None]:
    """Per role, the person who must hold one of its seats (None: no one can: no referent)."""
    out: dict[str, str | None] = {}
    referent = referent_for(module, participant)
    if referent is not None:
        out[referent[0]] = referent[1]
    referrer = referrer_for(module, participant, staff_ids)
    if referrer is not None:
        out[REFERRER] = referrer
    return out


def module_roles(module: Module) -> set[str]:
    """Every role a session of the module may seat, whoever the participant (REFERRER aside)."""
    return set(required_roles(module))
