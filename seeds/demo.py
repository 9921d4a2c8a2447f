"""Invented demo participants for one programme, from the `participants:` section of its YAML.

Pure and deterministic: a seeded `random.Random`, no database, no Flask. The same programme
document always gives the same people. Every person is invented: first and last names are
drawn separately from pools of common names, so each combination is made up.

`generate(doc)` returns `ParticipantSpec` records holding plain values and the *keys* of the
staff members (referent coach, referring social worker) and the *names* of the modules they
are enrolled in; `app.services.seeding` turns them into rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
LEVELS = ("low_literacy", "a1", "a2", "b1", "b2")
STATUSES = ("referred", "intake", "trial", "active", "paused", "completed", "dropped")
LENGTH_MONTHS = {"short": 3, "medium": 6, "long": 9}
# Statuses that count in a coach's caseload: the person is (about to be) followed now.
CASELOAD_STATUSES = frozenset({"intake", "trial", "active", "paused"})
ENROLLED_BY_DEFAULT = ("trial", "active", "paused", "completed", "dropped")

# Common given names and family names by region of origin. A demo person takes one first
# name and one last name at random, so every person is an invented combination.
NAME_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "levantine": {  # Syria, Iraq, Palestine
        "female": ("Amal", "Rania", "Hiba", "Lina", "Nour", "Rasha", "Yasmin", "Dalia", "Hala",
                   "Maha", "Reem", "Salma", "Souad", "Zeina", "Ghada", "Rima"),
        "male": ("Ahmad", "Khaled", "Omar", "Samer", "Bassel", "Fadi", "Hassan", "Mahmoud",
                 "Tarek", "Walid", "Yousef", "Ziad", "Rami", "Firas", "Nabil", "Jamil"),
        "last": ("Haddad", "Khatib", "Nasser", "Sabbagh", "Darwish", "Halabi", "Jaber",
                 "Mansour", "Qassem", "Saleh", "Tamer", "Zoubi", "Barakat", "Hamdan", "Odeh"),
    },
    "afghan": {
        "female": ("Fatima", "Maryam", "Zahra", "Farzana", "Habiba", "Laila", "Nazira", "Parwana",
                   "Shabnam", "Soraya", "Zarghuna", "Mursal"),
        "male": ("Ahmad", "Mohammad", "Ali", "Farid", "Hamid", "Jawad", "Karim", "Masoud",
                 "Nasir", "Rahim", "Sohail", "Wahid", "Zabihullah", "Najib"),
        "last": ("Ahmadi", "Hashimi", "Karimi", "Mohammadi", "Noori", "Popal", "Rahimi",
                 "Sadat", "Stanikzai", "Wardak", "Yousufzai", "Amiri", "Hakimi", "Sultani"),
    },
    "iranian": {
        "female": ("Maryam", "Niloufar", "Shirin", "Parisa", "Leila", "Roya", "Samira"),
        "male": ("Reza", "Amir", "Behnam", "Dariush", "Kaveh", "Saeed", "Omid"),
        "last": ("Hosseini", "Rahmani", "Jafari", "Karimian", "Moradi", "Sadeghi", "Tehrani"),
    },
    "horn": {  # Eritrea, Ethiopia
        "female": ("Senait", "Helen", "Mebrat", "Saba", "Tsega", "Yordanos", "Selam", "Rahel",
                   "Feven", "Luwam", "Hiwet", "Mulu"),
        "male": ("Tesfay", "Yonas", "Dawit", "Filmon", "Habtom", "Kidane", "Mehari", "Samuel",
                 "Tekle", "Yohannes", "Biniam", "Robel"),
        "last": ("Tesfamariam", "Ghebremedhin", "Haile", "Kahsay", "Tekeste", "Woldu",
                 "Berhane", "Gebreyesus", "Habte", "Mengistu", "Asfaha", "Negash"),
    },
    "somali": {
        "female": ("Hodan", "Fadumo", "Amina", "Ifrah", "Sahra", "Ubah", "Hibaaq", "Nimco"),
        "male": ("Abdi", "Abdirahman", "Mohamed", "Said", "Yusuf", "Hassan", "Ahmed", "Liban"),
        "last": ("Warsame", "Farah", "Jama", "Abdullahi", "Osman", "Hirsi", "Dualeh", "Egal"),
    },
    "central_africa": {  # DR Congo, Burundi, Rwanda, Cameroon
        "female": ("Grace", "Esther", "Nadine", "Clarisse", "Divine", "Josiane", "Mireille",
                   "Ornella", "Rachel", "Sandrine", "Chantal", "Bénédicte"),
        "male": ("Patrick", "Jean-Claude", "Christian", "Fiston", "Héritier", "Junior", "Serge",
                 "Trésor", "Didier", "Emmanuel", "Blaise", "Aimé"),
        "last": ("Mbuyi", "Kabongo", "Ilunga", "Mukendi", "Tshibangu", "Lukusa", "Kalala",
                 "Ngoy", "Mutombo", "Nsimba", "Ndayishimiye", "Habimana", "Mbarga"),
    },
    "west_africa": {  # Guinea, Senegal, Sierra Leone
        "female": ("Mariama", "Aïssatou", "Fatoumata", "Kadiatou", "Hawa", "Binta", "Oumou",
                   "Ramatoulaye", "Djenabou", "Mariam"),
        "male": ("Mamadou", "Alpha", "Ibrahima", "Ousmane", "Thierno", "Boubacar", "Sékou",
                 "Abdoulaye", "Lamine", "Moussa"),
        "last": ("Diallo", "Barry", "Bah", "Sow", "Camara", "Condé", "Keïta", "Touré",
                 "Soumah", "Baldé", "Sylla", "Kouyaté"),
    },
    "maghreb": {
        "female": ("Khadija", "Fatiha", "Naima", "Samira", "Houda", "Imane", "Loubna", "Siham"),
        "male": ("Youssef", "Mohamed", "Rachid", "Hicham", "Karim", "Mustapha", "Said", "Nordin"),
        "last": ("El Amrani", "Bennani", "Ouali", "Azzouzi", "El Idrissi", "Tahiri",
                 "Boukhari", "Ait Lahcen", "Chaoui", "Ziani"),
    },
    "slavic": {  # Ukraine, Russia
        "female": ("Olena", "Iryna", "Natalia", "Oksana", "Svitlana", "Tetiana", "Yulia",
                   "Kateryna", "Halyna", "Viktoriia"),
        "male": ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Volodymyr", "Yurii", "Mykola",
                 "Bohdan", "Ihor", "Taras"),
        "last": ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko",
                 "Melnyk", "Oliinyk", "Savchenko", "Lysenko", "Moroz", "Hrytsenko"),
    },
    "turkish_kurdish": {
        "female": ("Ayşe", "Zeynep", "Hatice", "Rojda", "Berivan", "Dilan", "Leyla"),
        "male": ("Mehmet", "Ahmet", "Serhat", "Rojhat", "Baran", "Hüseyin", "Kemal"),
        "last": ("Yılmaz", "Demir", "Aydın", "Kaya", "Doğan", "Çelik", "Arslan", "Tekin"),
    },
    "balkan_eu": {  # Bulgaria, Slovakia (Ghent also admits EU citizens)
        "female": ("Mariya", "Elena", "Ivana", "Silvia", "Zuzana", "Monika", "Desislava"),
        "male": ("Georgi", "Ivan", "Dimitar", "Stefan", "Marek", "Peter", "Nikolay"),
        "last": ("Petrov", "Ivanova", "Dimitrov", "Georgieva", "Horváth", "Balog", "Kováč",
                 "Stoyanov"),
    },
}


@dataclass(frozen=True)
class BlockSpec:
    """A weekly commitment of a participant (a language course, school pick-up, ...)."""

    weekday: int
    start: dt.time
    end: dt.time
    kind: str = "language_course"
    label: str | None = None

    def overlaps(self, other: BlockSpec) -> bool:
        return self.weekday == other.weekday and self.start < other.end and other.start < self.end

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


@dataclass(frozen=True)
class EnrolmentSpec:
    module: str
    start_date: dt.date
    end_date: dt.date | None = None
    status: str = "active"
    frequency: str | None = None  # this participant's own rhythm (individual coaching)


@dataclass
class ParticipantSpec:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    gender: str
    nationality: str
    residence_status: str
    languages: list[str]
    interpreter_language: str | None
    language_level: str
    trajectory_status: str
    trajectory_length: str
    referred_on: dt.date | None = None
    intake_on: dt.date | None = None
    entry_date: dt.date | None = None
    exited_on: dt.date | None = None
    referent_coach: str | None = None  # staff key
    referring_social_worker: str | None = None  # staff key
    blocks: list[BlockSpec] = field(default_factory=list)
    enrolments: list[EnrolmentSpec] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- small parsers shared with the loader ----------------------------------------------


def parse_time(value: Any) -> dt.time:
    """"09:30" or a time; YAML 1.1 reads an unquoted 13:00 as the integer 780 (base 60)."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        hours, minutes = divmod(value, 60)
        return dt.time(hours, minutes)
    if isinstance(value, str):
        hours, _, minutes = value.strip().partition(":")
        return dt.time(int(hours), int(minutes or 0))
    raise ValueError(f"not a time: {value!r} (write it as \"HH:MM\")")


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError(f"not a date: {value!r} (write it as YYYY-MM-DD)")


def parse_weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().lower()[:3] in WEEKDAYS:
        return WEEKDAYS[value.strip().lower()[:3]]
    raise ValueError(f"not a weekday: {value!r} (use mon, tue, wed, thu, fri, sat, sun)")


def expand_blocks(specs: Iterable[Mapping[str, Any]] | None) -> list[tuple[int, dt.time, dt.time]]:
    """`[{days: [mon, wed], start: "09:00", end: "12:00"}]` → one (weekday, start, end) per day."""
    out: list[tuple[int, dt.time, dt.time]] = []
    for spec in specs or []:
        if not isinstance(spec, Mapping):
            raise ValueError(f"a weekly block must be a mapping with days, start, end: {spec!r}")
        days = spec.get("days", spec.get("day"))
        if days is None:
            raise ValueError(f"a weekly block needs days: {dict(spec)!r}")
        if not isinstance(days, list):
            days = [days]
        start, end = parse_time(spec.get("start")), parse_time(spec.get("end"))
        out.extend((parse_weekday(day), start, end) for day in days)
    return out


# --- the generator ------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[float(weights[k]) for k in keys])[0]


def _allocate(total: int, weights: Mapping[str, float]) -> list[str]:
    """Exactly `total` labels in the given proportions (largest remainder), unshuffled."""
    norm = sum(float(w) for w in weights.values()) or 1.0
    quotas = {k: total * float(w) / norm for k, w in weights.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    rest = sorted(quotas, key=lambda k: (counts[k] - quotas[k], k))
    for key in rest[: total - sum(counts.values())]:
        counts[key] += 1
    return [key for key in weights for _ in range(counts[key])]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _coach_pool(doc: Mapping[str, Any]) -> list[tuple[str, int]]:
    pool = []
    for staff in doc.get("staff") or []:
        if "coach" in (staff.get("roles") or []) and staff.get("caseload_limit"):
            pool.append((str(staff["key"]), int(staff["caseload_limit"])))
    return pool


def _referrers(doc: Mapping[str, Any]) -> list[str]:
    return [str(s["key"]) for s in doc.get("staff") or []
            if "social_worker" in (s.get("roles") or []) and s.get("refers", True)]


def _dates(rng: random.Random, status: str, months: int, as_of: dt.date,
           cycle: Mapping[str, Any] | None) -> dict[str, dt.date | None]:
    def before(day: dt.date, low: int, high: int) -> dt.date:
        return day - dt.timedelta(days=rng.randint(low, high))

    referred = intake = entry = exited = None
    if status == "referred":
        referred = before(as_of, 0, 35)
    elif status == "intake":
        intake = before(as_of, 0, 10)
        referred = before(intake, 7, 40)
    else:
        if cycle is not None:
            start = parse_date(cycle["start"])
            previous_start = parse_date(cycle["previous_start"])
            previous_end = parse_date(cycle["previous_end"])
            if status in ("completed",):
                entry, exited = previous_start, previous_end
            elif status == "dropped" and rng.random() < 0.5:
                entry = previous_start
                exited = entry + dt.timedelta(days=rng.randint(20, 150))
            else:
                entry = start
        elif status == "trial":
            entry = before(as_of, 0, 4)
        elif status == "active":
            entry = before(as_of, 7, max(8, months * 30 - 10))
        elif status == "paused":
            entry = before(as_of, 45, max(46, months * 30))
        elif status == "completed":
            entry = before(as_of, months * 30 + 10, months * 30 + 150)
            exited = entry + dt.timedelta(days=months * 30)
        else:  # dropped
            entry = before(as_of, 40, 260)
        if status == "dropped" and exited is None:
            exited = min(as_of, entry + dt.timedelta(days=rng.randint(14, 100)))
        intake = before(entry, 5, 20)
        referred = before(intake, 7, 45)
    return {"referred_on": referred, "intake_on": intake, "entry_date": entry, "exited_on": exited}


def _blocks(rng: random.Random, level: str, section: Mapping[str, Any]) -> list[BlockSpec]:
    blocks: list[BlockSpec] = []
    course = section.get("language_course") or {}
    patterns = [p for p in course.get("patterns") or []
                if not p.get("levels") or level in p["levels"]]
    if patterns and rng.random() >= float(course.get("none_share", 0)):
        pattern = rng.choices(patterns, weights=[float(p.get("weight", 1)) for p in patterns])[0]
        label = pattern.get("label", course.get("label"))
        for weekday, start, end in expand_blocks(pattern.get("blocks")):
            blocks.append(BlockSpec(weekday, start, end, "language_course", label))
    for extra in section.get("other_blocks") or []:
        if rng.random() >= float(extra.get("share", 0)):
            continue
        candidate = [BlockSpec(weekday, start, end, extra.get("kind", "unavailable"),
                               extra.get("label"))
                     for weekday, start, end in expand_blocks(extra.get("blocks"))]
        if not any(new.overlaps(old) for new in candidate for old in blocks):
            blocks.extend(candidate)
    return sorted(blocks, key=lambda b: (b.weekday, b.start))


def _seats(module: Mapping[str, Any]) -> int:
    """Places for active participants: every group of the module filled up."""
    if module.get("kind") == "individual_coaching":
        return 10**6
    return int(module.get("group_max", 1)) * int(module.get("max_groups", 1))


def _enrolments(rng: random.Random, person: ParticipantSpec, modules: Sequence[Mapping[str, Any]],
                as_of: dt.date, taken: dict[str, int]) -> list[EnrolmentSpec]:
    """Enrolments by each module's `demo:` rule; optional and chosen modules respect seats."""
    status = person.trajectory_status
    ongoing = person.exited_on is None and status != "paused"

    def full(module: Mapping[str, Any]) -> bool:
        return ongoing and taken.get(str(module["name"]), 0) >= _seats(module)

    if status == "paused":
        pause_from: dt.date | None = max(
            person.entry_date or as_of, as_of - dt.timedelta(days=rng.randint(5, 40)))
    else:
        pause_from = None
    chosen: list[Mapping[str, Any]] = []
    choice_groups: dict[str, list[Mapping[str, Any]]] = {}
    for module in modules:
        rule = module.get("demo") or {}
        how = rule.get("enrol", "none")
        if how == "none":
            continue
        if status not in rule.get("statuses", ENROLLED_BY_DEFAULT):
            continue
        levels = module.get("target_levels") or []
        if levels and person.language_level not in levels:
            continue
        if module.get("kind") == "individual_coaching" and person.referent_coach is None:
            continue
        within = rule.get("entered_within_days")
        if within is not None and person.entry_date is not None \
                and (as_of - person.entry_date).days > int(within):
            continue
        first_language = person.languages[0] if person.languages else None
        if how == "language" and module.get("delivery_language") != first_language:
            continue  # groups by language: the person's first language
        if how == "share" and (rng.random() >= float(rule.get("share", 0.5)) or full(module)):
            continue
        if how == "choice":
            choice_groups.setdefault(str(rule.get("group", "choice")), []).append(module)
            continue
        chosen.append(module)
    for all_options in choice_groups.values():
        options = [m for m in all_options if not full(m)] or all_options
        weights = [float((m.get("demo") or {}).get("weight", 1)) for m in options]
        first = rng.choices(options, weights=weights)[0]
        chosen.append(first)
        second_share = float((first.get("demo") or {}).get("second_share", 0))
        others = [m for m in options if m is not first]
        if others and rng.random() < second_share:
            chosen.append(rng.choice(others))

    names = {str(m["name"]) for m in chosen}
    chosen = [m for m in chosen if not names & set((m.get("demo") or {}).get("unless") or [])]
    out = []
    for module in sorted(chosen, key=lambda m: str(m["name"])):
        rhythms = (module.get("demo") or {}).get("frequencies")
        rhythm = _weighted(rng, rhythms) if rhythms else None
        start = person.entry_date or person.intake_on or person.referred_on or as_of
        term = module.get("term") or {}
        term_start = parse_date(term["start"]) if term.get("start") else None
        term_end = parse_date(term["end"]) if term.get("end") else None
        if term_start and start < term_start:
            if not module.get("rolling_entry", True) or person.trajectory_status in (
                    "referred", "intake"):
                start = term_start
            elif person.exited_on is not None and person.exited_on < term_start:
                continue
            else:
                start = term_start
        if term_end and start > term_end:
            continue
        if (not module.get("rolling_entry", True) and term_start
                and (start - term_start).days > 21):
            continue  # a fixed cycle admits no one mid-way
        end = person.exited_on or pause_from
        if end is not None:
            if term_end and end > term_end:
                end = term_end
            if end < start:
                continue
            out.append(EnrolmentSpec(str(module["name"]), start, end, "ended", rhythm))
        else:
            out.append(EnrolmentSpec(str(module["name"]), start, None, "active", rhythm))
            taken[str(module["name"])] = taken.get(str(module["name"]), 0) + 1
    return out


def generate(doc: Mapping[str, Any], *, seed: int | None = None) -> list[ParticipantSpec]:
    """Invent the programme's participants from its `participants:` section."""
    section = doc.get("participants") or {}
    count = int(section.get("count", 0))
    if count <= 0:
        return []
    slug = str((doc.get("organisation") or {}).get("slug", "programme"))
    rng = random.Random(f"{slug}:{seed if seed is not None else section.get('seed', 0)}")
    as_of = parse_date(section.get("as_of", "2026-11-16"))
    working_language = str((doc.get("organisation") or {}).get("working_language", "fr"))
    modules = doc.get("modules") or []
    coaches = _coach_pool(doc)
    load = {key: 0 for key, _ in coaches}
    referrers = _referrers(doc)
    origins = section.get("origins") or [{"nationality": "SY", "names": "levantine",
                                          "languages": ["ar"]}]
    cycle = section.get("cycle")

    statuses = _allocate(count, section.get("status_mix") or {"active": 1})
    levels = _allocate(count, section.get("levels") or {"a1": 1})
    rng.shuffle(statuses)
    rng.shuffle(levels)
    used_names: set[str] = set()
    taken: dict[str, int] = {}
    people: list[ParticipantSpec] = []
    for status, level in zip(statuses, levels, strict=True):
        origin = rng.choices(origins, weights=[float(o.get("weight", 1)) for o in origins])[0]
        pool = NAME_POOLS[str(origin.get("names", "levantine"))]
        gender = _weighted(rng, section.get("gender") or {"female": 1, "male": 1})
        for _attempt in range(50):
            first_pool = pool["female"] if gender == "female" else pool["male"]
            if gender == "other":
                first_pool = pool[rng.choice(("female", "male"))]
            first, last = rng.choice(first_pool), rng.choice(pool["last"])
            if f"{first} {last}" not in used_names:
                break
        used_names.add(f"{first} {last}")
        age = int(rng.triangular(19, 64, 31))
        born = _years_before(as_of, age) - dt.timedelta(days=rng.randint(1, 360))
        languages = [str(code) for code in origin.get("languages") or []]
        for extra in origin.get("also") or []:
            if rng.random() < 0.3 and extra not in languages:
                languages.append(str(extra))
        if level in ("a2", "b1", "b2") and working_language not in languages:
            languages.append(working_language)
        interpreter = None
        if (level in ("low_literacy", "a1") and languages
                and rng.random() < float(section.get("interpreter_share", 0.3))):
            interpreter = languages[0]
        length = _weighted(rng, section.get("length_mix") or {"long": 1})
        dates = _dates(rng, status, LENGTH_MONTHS[length], as_of, cycle)
        person = ParticipantSpec(
            first_name=first, last_name=last, date_of_birth=born, gender=gender,
            nationality=str(origin["nationality"]),
            residence_status=_weighted(rng, section.get("residence") or {"refugee": 1}),
            languages=languages, interpreter_language=interpreter, language_level=level,
            trajectory_status=status, trajectory_length=length, **dates)
        if referrers:
            person.referring_social_worker = rng.choice(referrers)
        if coaches:
            if status in CASELOAD_STATUSES:
                free = [(load[k] / limit, rng.random(), k) for k, limit in coaches
                        if load[k] < limit]
                if free:
                    person.referent_coach = min(free)[2]
                    load[person.referent_coach] += 1
            elif status in ("completed", "dropped"):
                person.referent_coach = rng.choice(coaches)[0]
        person.blocks = _blocks(rng, level, section)
        person.enrolments = _enrolments(rng, person, modules, as_of, taken)
        people.append(person)
    return people
