"""The demo-people generator and the programme files, without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from app.services.validation import today
from seeds import programme_files
from seeds.demo import LEVELS, BlockSpec, expand_blocks, generate, parse_date, parse_time

FILES = {path.stem: path for path in programme_files()}
EXPECTED_COUNTS = {  # (at least, at most) participants per programme
    "amie-antwerpen": (40, 60),
    "interactief-gent": (50, 70),
    "activup-charleroi": (100, 150),
    "modactions-liege": (65, 95),
    "moveup-bruxelles": (50, 70),
}
CASELOAD = {"intake", "trial", "active", "paused"}


def load(stem: str) -> dict:
    return yaml.safe_load(FILES[stem].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def people() -> dict[str, list]:
    return {stem: generate(load(stem)) for stem in FILES}


def modules_by_name(doc: dict) -> dict[str, dict]:
    return {m["name"]: m for m in doc["modules"]}


def test_five_programmes_with_their_organisations() -> None:
    assert set(FILES) == set(EXPECTED_COUNTS)
    slugs = {load(stem)["organisation"]["slug"] for stem in FILES}
    assert slugs == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("stem", sorted(EXPECTED_COUNTS))
def test_participant_counts_are_realistic(people: dict, stem: str) -> None:
    low, high = EXPECTED_COUNTS[stem]
    assert low <= len(people[stem]) <= high


def test_generator_is_deterministic() -> None:
    doc = load("activup-charleroi")
    assert generate(doc) == generate(doc)
    assert generate(doc, seed=7) == generate(doc, seed=7)
    assert generate(doc, seed=7) != generate(doc)


def test_nobody_is_under_18(people: dict) -> None:
    day = today()
    for stem, persons in people.items():
        as_of = parse_date(load(stem)["participants"]["as_of"])
        for person in persons:
            assert person.age_on(min(day, as_of)) >= 18, person.full_name
            assert person.age_on(as_of) <= 65, person.full_name


def test_names_are_unique_within_a_programme(people: dict) -> None:
    for persons in people.values():
        names = [p.full_name for p in persons]
        assert len(names) == len(set(names))


def test_dates_follow_the_trajectory(people: dict) -> None:
    for stem, persons in people.items():
        as_of = parse_date(load(stem)["participants"]["as_of"])
        for p in persons:
            days = [d for d in (p.referred_on, p.intake_on, p.entry_date, p.exited_on) if d]
            assert days == sorted(days), p.full_name
            assert all(d <= as_of for d in days), p.full_name
            assert (p.exited_on is not None) == (p.trajectory_status in {"completed", "dropped"})
            assert (p.entry_date is None) == (p.trajectory_status in {"referred", "intake"})
            assert p.language_level in LEVELS


def test_mostly_active_with_every_stage_present(people: dict) -> None:
    statuses = [p.trajectory_status for persons in people.values() for p in persons]
    assert statuses.count("active") > len(statuses) / 2
    assert {"referred", "intake", "trial", "active", "paused", "completed", "dropped"} <= set(
        statuses)
    assert any(p.interpreter_language for persons in people.values() for p in persons)
    assert any(p.language_level == "low_literacy" for persons in people.values() for p in persons)


def test_coaches_respect_caseload_limits(people: dict) -> None:
    for stem, persons in people.items():
        limits = {s["key"]: s.get("caseload_limit") for s in load(stem)["staff"]}
        roles = {s["key"]: s["roles"] for s in load(stem)["staff"]}
        load_by_coach: dict[str, int] = {}
        for p in persons:
            if p.referent_coach:
                assert "coach" in roles[p.referent_coach]
            if p.referring_social_worker:
                assert "social_worker" in roles[p.referring_social_worker]
            if p.trajectory_status in CASELOAD:
                assert p.referent_coach, f"{stem}: {p.full_name} has no referent coach"
                load_by_coach[p.referent_coach] = load_by_coach.get(p.referent_coach, 0) + 1
        for key, n in load_by_coach.items():
            assert n <= limits[key], f"{stem}: {key} follows {n} > {limits[key]}"


def test_blocks_of_one_person_never_overlap(people: dict) -> None:
    for persons in people.values():
        for p in persons:
            for i, a in enumerate(p.blocks):
                assert all(not a.overlaps(b) for b in p.blocks[i + 1:]), p.full_name


def test_enrolments_match_level_term_and_status(people: dict) -> None:
    for stem, persons in people.items():
        modules = modules_by_name(load(stem))
        for p in persons:
            for e in p.enrolments:
                module = modules[e.module]
                levels = module.get("target_levels") or []
                assert not levels or p.language_level in levels, (p.full_name, e.module)
                term = module.get("term") or {}
                if term:
                    assert parse_date(term["start"]) <= e.start_date <= parse_date(term["end"])
                    assert e.end_date is None or e.end_date <= parse_date(term["end"])
                assert e.end_date is None or e.end_date >= e.start_date
                if p.trajectory_status in {"completed", "dropped", "paused"}:
                    assert e.status == "ended"
                if module["kind"] == "individual_coaching":
                    assert p.referent_coach


def test_every_active_participant_has_a_programme(people: dict) -> None:
    for persons in people.values():
        for p in persons:
            if p.trajectory_status in {"active", "trial"}:
                assert any(e.status == "active" for e in p.enrolments), p.full_name


@pytest.mark.parametrize("stem", sorted(EXPECTED_COUNTS))
def test_every_module_can_seat_its_participants(people: dict, stem: str) -> None:
    """Active enrolments fit the groups: at least min_groups × group_min, at most the seats."""
    doc = load(stem)
    for module in doc["modules"]:
        if module["kind"] == "individual_coaching":
            continue
        n = sum(1 for p in people[stem] for e in p.enrolments
                if e.module == module["name"] and e.status == "active")
        if n == 0:
            continue
        seats = module["group_max"] * module.get("max_groups", 1)
        if module.get("drop_in"):
            # a drop-in seats group_max in each offered session; each comes once a week
            seats = module["group_max"] * module.get("sessions_per_period", 1)
        needed = module.get("group_min", 1) * module.get("min_groups", 1)
        assert needed <= n <= seats, f"{module['name']}: {n} enrolled, {needed}..{seats} seats"


# --- what characterises each programme -------------------------------------------------


def test_amie_group_session_alternates_wednesday_and_friday_afternoon(people: dict) -> None:
    doc = load("amie-antwerpen")
    assert doc["programme"]["group_activity_every_weeks"] == 2
    assert doc["programme"]["max_clients_per_fte"] == 25
    group = modules_by_name(doc)["Groepssessie"]
    # a drop-in offered on both afternoons: each comes to the one their class leaves free
    assert group["drop_in"] is True
    assert group["drop_in_every_weeks"] == 2
    assert group["sessions_per_period"] == 2
    assert group["duration_minutes"] == 180
    windows = expand_blocks(group["time_windows"])
    assert {(w, s, e) for w, s, e in windows} == {(2, dt.time(13), dt.time(17)),
                                                   (4, dt.time(13), dt.time(17))}
    interview = modules_by_name(doc)["Individueel gesprek"]
    assert interview["kind"] == "individual_coaching"
    assert interview["group_max"] == 1
    assert interview["duration_minutes"] == 60
    assert interview["frequency"] == "per_week"
    for module in doc["modules"]:
        if module["kind"] != "individual_coaching":
            assert {w for w, _s, _e in expand_blocks(module["time_windows"])} <= {2, 4}
    coaches = [s for s in doc["staff"] if "coach" in s["roles"]]
    assert len(coaches) == 3
    assert sum(s["fte"] for s in coaches) == pytest.approx(2.0)
    # Dutch classes leave Wednesday or Friday afternoon free for everyone; some take Friday.
    afternoon = [BlockSpec(day, dt.time(13), dt.time(16)) for day in (2, 4)]
    taken = [[any(b.overlaps(a) for b in p.blocks) for a in afternoon]
             for p in people["amie-antwerpen"]]
    assert not any(all(t) for t in taken)
    assert not any(wednesday for wednesday, _friday in taken)
    assert any(friday for _wednesday, friday in taken)


def test_interactief_via_goal_and_social_integration() -> None:
    modules = modules_by_name(load("interactief-gent"))
    via = [m for name, m in modules.items() if name.startswith("VIA")]
    assert via
    assert all(m["group_max"] == 10 and m["staff_needs"] == {"coach": 2}
                       and m["sessions_per_period"] == 2 and m["duration_minutes"] <= 240
                       and m["rolling_entry"] is False for m in via)
    for m in via:
        days = (parse_date(m["term"]["end"]) - parse_date(m["term"]["start"])).days
        assert 75 <= days <= 95  # three months
    goal = [m for name, m in modules.items() if name.startswith("GOAL")]
    assert len({m["delivery_language"] for m in goal}) == len(goal) >= 3
    assert all(m["needs_mediator"] and m["staff_needs"].get("mediator") and
               m["staff_needs"].get("social_worker") for m in goal)
    social = modules["Sociale integratie"]
    assert social["target_levels"] == ["low_literacy", "a1"]
    assert social["frequency"] == "per_week"
    assert social["duration_minutes"] >= 300


def test_each_via_project_has_its_own_cohort(people: dict) -> None:
    """The autumn and the spring VIA project both run with people; nobody takes both."""
    projects: dict[str, set[str]] = {}
    for p in people["interactief-gent"]:
        for e in p.enrolments:
            if e.module.startswith("VIA"):
                projects.setdefault(e.module, set()).add(p.full_name)
    assert len(projects) == 2
    autumn, spring = (projects[name] for name in sorted(projects, key=lambda n: "voorjaar" in n))
    assert autumn
    assert spring
    assert not autumn & spring


def test_activup_cycles_and_french_on_monday_and_wednesday(people: dict) -> None:
    doc = load("activup-charleroi")
    modules = modules_by_name(doc)
    collective = modules["Coaching collectif"]
    assert collective["frequency"] == "every_two_weeks"
    assert collective["min_groups"] == 3
    assert collective["duration_minutes"] == 180
    assert modules["Excursion"]["off_site"]
    assert modules["Excursion"]["frequency"] == "monthly"
    assert modules["Bénévolat en maison de repos"]["off_site"]
    assert modules["Module pré-emploi"]["sessions_per_period"] == 3
    for module in doc["modules"]:
        if module.get("term"):
            assert parse_date(module["term"]["start"]).month == 9
            assert parse_date(module["term"]["end"]).month == 6
            assert module["rolling_entry"] is False
    courses = [b for p in people["activup-charleroi"] for b in p.blocks
               if b.kind == "language_course"]
    assert courses
    assert {b.weekday for b in courses} == {0, 2}


def test_modactions_level_groups_all_year_entry_any_time() -> None:
    modules = modules_by_name(load("modactions-liege"))
    for name in ("Groupe alpha débutants", "Groupe alpha avancés"):
        assert modules[name]["sessions_per_period"] == 3
        assert modules[name]["duration_minutes"] == 180
        assert modules[name]["target_levels"]
    for name in ("Groupe informatique", "Groupe artistique", "Groupe réalisation de projet"):
        assert modules[name]["sessions_per_period"] == 2
        assert modules[name]["duration_minutes"] == 120
    assert all(m.get("rolling_entry", True) for m in modules.values())
    assert modules["Excursion mensuelle"]["frequency"] == "monthly"


def test_moveup_21_hours_and_groups_of_15(people: dict) -> None:
    doc = load("moveup-bruxelles")
    assert doc["programme"]["min_weekly_hours"] == 21
    assert doc["programme"]["min_active_days"] == 5  # the card's five-day rhythm
    modules = modules_by_name(doc)
    group_modules = [m for m in modules.values() if m["kind"] != "individual_coaching"
                     and m["kind"] != "orientation"]
    assert all(m["group_max"] <= 15 for m in group_modules)
    assert any("language_teacher" in m["staff_needs"] for m in group_modules)
    weekly_minutes: dict[str, int] = {}
    for p in people["moveup-bruxelles"]:
        if p.trajectory_status != "active":
            continue
        minutes = 0
        for e in p.enrolments:
            m = modules[e.module]
            if m["frequency"] == "per_week":
                minutes += m["duration_minutes"] * m.get("sessions_per_period", 1)
        weekly_minutes[p.full_name] = minutes
        # Outside commitments are light: the weekday daytime left is at least 21 h.
        daytime = sum(max(0, min(b.end, dt.time(17)).hour * 60 + min(b.end, dt.time(17)).minute
                          - (max(b.start, dt.time(9)).hour * 60 + max(b.start, dt.time(9)).minute))
                      for b in p.blocks if b.weekday < 5)
        assert 5 * 8 * 60 - daytime >= 21 * 60, p.full_name
    assert weekly_minutes
    assert min(weekly_minutes.values()) >= 21 * 60


def test_one_optional_sensitive_topic_module_at_least() -> None:
    sensitive = [m for stem in FILES for m in load(stem)["modules"] if m.get("sensitive_topic")]
    assert sensitive
    assert all(m.get("optional") for m in sensitive)


def test_parsers() -> None:
    assert parse_time("09:30") == dt.time(9, 30)
    assert parse_time(780) == dt.time(13, 0)  # YAML 1.1 reads 13:00 as 780
    assert expand_blocks([{"days": ["mon", "wed"], "start": "9:00", "end": "12:00"}]) == [
        (0, dt.time(9), dt.time(12)), (2, dt.time(9), dt.time(12))]
    with pytest.raises(ValueError, match="weekday"):
        expand_blocks([{"days": ["someday"], "start": "9:00", "end": "12:00"}])


def _source_documents() -> Path | None:
    for base in (Path(__file__).resolve().parents[3], Path("/work")):
        folder = base / "shared" / "source-documents"
        if folder.is_dir():
            return folder
    return None


def test_no_name_from_the_source_documents(people: dict) -> None:
    folder = _source_documents()
    if folder is None:
        pytest.skip("source documents not available")
    text = " ".join(p.read_text(encoding="utf-8", errors="replace")
                    for p in folder.glob("*.txt")).lower()
    for stem in FILES:
        doc = load(stem)
        for staff in doc["staff"]:
            assert f"{staff['first_name']} {staff['last_name']}".lower() not in text
            assert staff["last_name"].lower() not in text or len(staff["last_name"]) <= 4, staff
        for site in doc["sites"]:
            assert site["street"].lower() not in text
        for p in people[stem]:
            assert p.full_name.lower() not in text, p.full_name


def test_individual_coaching_rhythm_per_participant(people: dict) -> None:
    charleroi = [e for p in people["activup-charleroi"] for e in p.enrolments
                 if e.module == "Coaching individuel"]
    assert {e.frequency for e in charleroi} == {"every_two_weeks", "every_three_weeks"}
    others = [e for p in people["activup-charleroi"] for e in p.enrolments
              if e.module != "Coaching individuel"]
    assert all(e.frequency is None for e in others)
