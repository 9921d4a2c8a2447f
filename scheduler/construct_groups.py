"""Group forming in a construction attempt: a module's groups formed around the times that
suit their members' whole week, filled with the people who have the fewest other options,
given a room and a team (mediators who speak their members' languages) and booked at once."""

from __future__ import annotations

import math
from collections import Counter

from scheduler.construct_state import ConstructionState, ModuleState
from scheduler.problem import Module, Room
from scheduler.slots import (
    DAY,
    alternates,
    max_groups,
    may_wait,
    min_gap_days,
    minutes,
    module_occurrences,
    site_cap,
)
from scheduler.timetable import group_id, session_key

# a member with `min_active_days` who gains a day counts this much of a member free at a time
DAY_WEIGHT = 0.5
# the best times per occurrence checked for a free room and team before settling on the best
HOLDABLE_TRIES = 12

# a new group's occurrence times, members, teams and rooms
_Formed = tuple[list[int], list[str], list[dict[str, str]], list[Room | None]]


class GroupForming(ConstructionState):
    """The steps of an attempt that form a group module's groups and book their sessions."""

    # -- group modules
    def module(self, md: Module, pinned_only: bool = False) -> None:
        """Form a group module's groups: with `pinned_only` just the groups holding a pinned
        session (every module's first, before anything else takes their people), otherwise
        the rest (and the pinned ones, if no earlier pass formed them)."""
        st = self.states.get(md.id)
        if st is None:
            made_state = self.module_state(md)
            if made_state is None:
                self.release_pins(md.id)
                return
            st = self.states[md.id] = made_state
            # pinned groups first, under their own numbers, from the bucket that fills them most
            for label in self.pinned_labels(md.id, st.limit):
                keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
                # its own pins given back; the module's other pins stay held until their turn
                self.release_pins(md.id, group_id(md.id, label))
                options: list[tuple[int, _Formed]] = []
                for b in range(len(st.buckets)):
                    if not st.todos[b]:
                        continue
                    formed = self.form(
                        md, st.occurrences, st.todos[b], st.free, st.share(b), st.size_max, keys
                    )
                    if formed is not None:
                        options.append((b, formed))
                if options:
                    b, pinned_group = max(options, key=lambda o: len(o[1][1]))
                    self._book_group(md, st, b, label, pinned_group)
                # a pinned group that cannot be formed keeps its number (the search tries)
                st.used.add(label)
        if pinned_only:
            return
        self.release_pins(md.id)  # (a pin past the module's number of groups)
        del self.states[md.id]
        st.free = self.free_starts(md, st.ids, st.occurrences)
        for b in range(len(st.buckets)):
            todo = st.todos[b]
            while todo:
                # groups the later buckets still need (a pinned group may already be theirs)
                others = sum(
                    max(st.alloc[j] - st.made[j], 0) for j in range(b + 1, len(st.buckets))
                )
                if len(st.used) + others >= st.limit:
                    break
                label = next(n for n in range(1, st.limit + 2) if n not in st.used)
                if label > st.limit:
                    break
                keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
                target = st.share(b)
                formed = self.form(md, st.occurrences, todo, st.free, target, st.size_max, keys)
                if formed is None and st.timeless:
                    formed = self._timeless(md, todo, st.free, target)
                if formed is None:
                    break
                self._book_group(md, st, b, label, formed)
            # the rest join an existing group of their level that still suits them
            for pid in sorted(todo, key=lambda pid: len(st.free[pid])):
                if self._join(md, pid, st.groups, st.free, st.size_max):
                    todo.discard(pid)
            if st.timeless:
                # every session may wait: a group is what matters; one that takes somebody who
                # is not free for its sessions gives them up (the last pass may place them again)
                for pid in sorted(todo):
                    if self._join_anyway(md, pid, st.groups, st.size_max):
                        todo.discard(pid)
            self.ungrouped += [(pid, md.id) for pid in sorted(todo)]
        order = {pid: i for i, pid in enumerate(st.ids)}
        for gid, members, *_ in st.groups:
            self.membership[gid] = sorted(members, key=order.__getitem__)
        for s in self.sessions:
            if s.module_id == md.id:
                s.participant_ids = list(self.membership[s.group_id])

    def split_leftovers(self) -> None:
        """Once every group module is formed: where people are left out of a module, one more
        group for them (see _split_off), borrowing members where they are fewer than a group's
        minimum or share no time with each other. Done at the end, so that the people it
        borrows keep their places in the modules formed after this one."""
        left: dict[str, set[str]] = {}
        for pid, mid in self.ungrouped:
            left.setdefault(mid, set()).add(pid)
        for mid, todo in left.items():
            md = self.p.module(mid)
            if md.individual or md.open:
                continue
            st = self.module_state(md)
            if st is None:
                continue
            mine = [g for g in self.membership if g.rpartition("#")[0] == mid]
            st.groups = [(g, self.membership[g], [], {}, []) for g in mine]
            st.used = {int(n) for g in mine if (n := g.rpartition("#")[2]).isdigit()}
            # one more group (per level left out, the most people first, in single-level
            # modules), and one more for whom those leave out, as the module's limit allows
            if md.single_level_groups:
                levels = Counter(self.people[x].language_level for x in todo)
                for level, _n in sorted(levels.items(), key=lambda kv: (-kv[1], kv[0])):
                    self._split_off(
                        md, st, 0, {x for x in todo if self.people[x].language_level == level}
                    )
            else:
                for _round in range(2):
                    taken = {x for _gid, members, *_ in st.groups for x in members}
                    if not todo - taken:
                        break
                    self._split_off(md, st, 0, todo - taken)
            placed: set[str] = set()
            for gid, members, *_ in st.groups:
                if gid not in self.membership:
                    self.membership[gid] = list(members)
                    placed |= set(members)
            self.ungrouped = [x for x in self.ungrouped if not (x[1] == mid and x[0] in placed)]

    def _split_off(self, md: Module, st: ModuleState, b: int, todo: set[str]) -> None:
        """A new group for people no group could take, filled up to the module's minimum with
        members that groups of their level can spare (each keeps at least its minimum): 20
        people in groups of 5-10 formed two groups of 10 and 9, and the twentieth, free at
        neither's times, was left out."""
        if not todo or len(st.used) >= st.limit or st.timeless:
            return
        if md.allowed_levels:
            # people of a level the module does not take cannot be in any of its groups
            todo = {x for x in todo if self.people[x].language_level in md.allowed_levels}
            if not todo:
                return
        level = self.people[min(todo)].language_level
        if md.single_level_groups:
            # one level per group: the people of the first one's level (the rest stay out)
            todo = {x for x in todo if self.people[x].language_level == level}
        owner: dict[str, list[str]] = {}
        old: dict[str, str] = {}
        for gid, members, *_ in st.groups:
            if len(members) <= md.group_min:
                continue
            if md.single_level_groups and any(
                self.people[x].language_level != level for x in members
            ):
                continue
            for x in members:
                if not self.people[x].min_active_days:
                    owner[x] = members
                    old[x] = gid
        if len(todo) + len(owner) < md.group_min:
            return
        label = next(n for n in range(1, st.limit + 2) if n not in st.used)
        if label > st.limit:
            return
        keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
        saved = self.urgent
        self.urgent = set(todo)  # the people left out first, then whoever fills it up
        # at times one of the people left out can come (else the group forms without them)
        theirs = set().union(*(st.free[x] for x in todo))
        pool = todo | set(owner)
        free = {x: st.free[x] & theirs for x in pool}
        try:
            target = min(max(md.group_min, len(todo)), st.size_max)
            formed = self.form(md, st.occurrences, pool, free, target, st.size_max, keys)
        finally:
            self.urgent = saved
        if formed is None:
            return
        times, members, teams, rooms = formed
        kept = []
        for x in members:
            if x in owner:
                if len(owner[x]) - 1 < md.group_min:
                    continue  # its group cannot spare one more
                owner[x].remove(x)
            kept.append(x)
        if len(kept) < md.group_min or not set(kept) & todo:
            for x in kept:  # give them back
                if x in owner and x not in owner[x]:
                    owner[x].append(x)
            return
        for x in kept:
            if x not in owner:
                continue
            for session in self.by_group.get(old[x], []):
                start = (session.date - self.p.horizon.start).days * DAY + minutes(session.start)
                self.book.remove(f"p:{x}", start, md.duration_minutes)
                if x in session.participant_ids:
                    session.participant_ids.remove(x)
        self._book_group(md, st, b, label, (times, kept, teams, rooms))

    def module_state(self, md: Module) -> ModuleState | None:
        # people of a level the module does not take can be in none of its groups
        ids = [
            pid
            for pid in self.members[md.id]
            if not md.allowed_levels or self.people[pid].language_level in md.allowed_levels
        ]
        if not ids:
            return None
        cap = self.p.site(md.site_id).group_size_cap
        size_max = min(md.group_max, cap) if cap is not None else md.group_max
        first = self.spec_of.get(md.id)
        # the group's occurrences as dates leave them (a course's remaining sessions, a term,
        # past days): those of its spec
        held = first.occurrences if first is not None else module_occurrences(self.p, md)
        every = [(i, w) for i, w in enumerate(held) if w]
        # occurrences that may wait for the next horizon (a pin on one makes it required)
        cut = (
            frozenset(
                i for i in first.deferrable if may_wait(first, i, set(self.pins), skippable=False)
            )
            if first is not None and md.id not in self.needed
            else frozenset()
        )
        # groups form around the occurrences they must hold; when all may wait for the next
        # horizon, around those (a group is still needed), else without any session
        numbered = [(i, w) for i, w in every if i not in cut] or every
        if not numbered:
            return None
        occurrences = [w for _, w in numbered]
        # a monthly rhythm's occurrences keep to their calendar months' days
        self.spans_of[md.id] = [first.span(i) if first is not None else None for i, _ in numbered]
        if md.single_level_groups:
            by_level: dict[str, list[str]] = {}
            for pid in ids:
                by_level.setdefault(self.people[pid].language_level, []).append(pid)
            buckets = sorted(by_level.values(), key=len)
        else:
            buckets = [list(ids)]
        # groups per bucket: as few as the group maximum allows, and more where the module asks
        # for more groups than that (the largest groups split first)
        alloc = [max(math.ceil(len(x) / size_max), 1) for x in buckets]
        for _ in range(max(md.min_groups - sum(alloc), 0)):
            i = max(range(len(buckets)), key=lambda i: len(buckets[i]) / alloc[i])
            alloc[i] += 1
        return ModuleState(
            ids=ids,
            numbers=[i for i, _ in numbered],
            occurrences=occurrences,
            timeless=not any(i not in cut for i, _ in every),
            free=self.free_starts(md, ids, occurrences),
            buckets=buckets,
            alloc=alloc,
            size_max=size_max,
            limit=max_groups(md, len(ids), site_cap(self.p, md)),
            todos=[set(bucket) for bucket in buckets],
            made=[0] * len(buckets),
        )

    def free_starts(
        self, md: Module, ids: list[str], occurrences: list[list[int]]
    ) -> dict[str, set[int]]:
        """Per participant, the module's starts they are free for: by their commitments (shared
        by everyone with the same), then by the sessions booked so far."""
        dur = md.duration_minutes
        starts = self.starts[md.id]
        candidates = [t for w in {w for ws in occurrences for w in ws} for t in starts.get(w, [])]
        free: dict[str, set[int]] = {}
        for pid in ids:
            mine = self.cal.free_starts(self.people[pid], candidates, dur)
            booked = f"p:{pid}" in self.book.busy
            free[pid] = (
                {t for t in mine if self.book.free(f"p:{pid}", t, dur)} if booked else set(mine)
            )
        return free

    def _book_group(self, md: Module, st: ModuleState, b: int, label: int, formed: _Formed) -> None:
        gid = group_id(md.id, label)
        times, members, teams, rooms = formed
        if times and md.id in self.plan:
            self.plan[md.id][times[0]] -= 1
        for occ, t, team, room in zip(st.numbers, times, teams, rooms, strict=False):
            self.place(md, gid, occ, t, members, team, room)
        st.groups.append((gid, members, times, {}, rooms))
        st.todos[b] -= set(members)
        st.made[b] += 1
        st.used.add(label)

    def pinned_labels(self, module_id: str, limit: int) -> list[int]:
        """The numbers of a group module's groups that hold a pinned session."""
        labels = set()
        for key in self.pins:
            gid = key.rpartition("@")[0]
            mid, _, label = gid.rpartition("#")
            if mid == module_id and label.isdigit() and int(label) <= limit:
                labels.add(int(label))
        return sorted(labels)

    def _in_span(self, module_id: str, j: int, t: int) -> bool:
        """Whether `t` lies in the days of the j-th occurrence groups form around."""
        spans = self.spans_of.get(module_id, [])
        span = spans[j] if j < len(spans) else None
        return span is None or span[0] <= t // DAY <= span[1]

    def _timeless(
        self, md: Module, todo: set[str], free: dict[str, set[int]], target: int
    ) -> _Formed | None:
        """A group with no session yet (every occurrence may wait for the next horizon)."""
        ranked = sorted(todo, key=lambda pid: (pid not in self.urgent, len(free[pid]), pid))
        members = ranked[:target]
        if len(members) < max(md.group_min, 1):
            return None
        return [], members, [], []

    def form(
        self,
        md: Module,
        occurrences: list[list[int]],
        todo: set[str],
        free: dict[str, set[int]],
        target: int,
        size_max: int,
        keys: list[str] | None = None,
    ) -> _Formed | None:
        """The best new group's times, members, teams and rooms (`keys`: the session keys of
        its occurrences, so that pinned ones are placed at their pin)."""
        keys = keys or []
        counts: Counter[int] = Counter()
        for pid in todo:
            counts.update(free[pid])
        best: (
            tuple[
                tuple[float, bool, int],
                list[int],
                list[str],
                list[dict[str, str]],
                list[Room | None],
            ]
            | None
        ) = None
        plan = self.plan.get(md.id)

        def planned(t: int) -> bool:
            return plan is not None and plan[t] > 0

        # the planned starts first, then where the most people are free (and, among those,
        # on a day the most members with `min_active_days` do not have yet)
        active = self._active_days(todo)
        first = [
            t
            for t in sorted(
                counts,
                key=lambda t: (
                    not planned(t),
                    -counts[t]
                    - DAY_WEIGHT
                    * sum(1 for x, days in active.items() if t in free[x] and t // DAY not in days),
                    t,
                ),
            )
            if t // DAY // 7 in occurrences[0] and self._in_span(md.id, 0, t)
        ]
        pinned = self.pin_at(keys[0]) if keys else None
        if pinned is not None:
            first = [pinned]  # a pinned first occurrence: there and nowhere else
        tried = 0
        for t0 in first:
            if (
                best is not None
                and not active
                and (min(counts[t0], target), planned(t0)) <= best[0][:2]
            ):
                break
            tried += 1
            if tried > 80:
                break
            chosen = self._complete(md, occurrences, todo, free, target, size_max, t0, keys)
            if chosen is None:
                continue
            times, members, teams, rooms = chosen
            # members with `min_active_days` count a little more for each day they gain
            gained = sum(
                t // DAY not in active[x] for x in members if x in active for t in times
            ) / max(len(times), 1)
            score = (len(members) + DAY_WEIGHT * gained, planned(t0), -sum(times))
            if best is None or score > best[0]:
                best = (score, times, members, teams, rooms)
                if len(members) >= target and not active:
                    break
        if best is None or len(best[2]) < md.group_min:
            return None
        return best[1], best[2], best[3], best[4]

    def _complete(
        self,
        md: Module,
        occurrences: list[list[int]],
        todo: set[str],
        free: dict[str, set[int]],
        target: int,
        size_max: int,
        t0: int,
        keys: list[str] | None = None,
    ) -> _Formed | None:
        """The other occurrences' times given the first, then members, rooms and staff."""
        keys = keys or []
        dur = md.duration_minutes
        starts = self.starts[md.id]
        pool = {pid for pid in todo if t0 in free[pid]}
        times = [t0]
        active = self._active_days(pool)
        alternate = alternates(md, occurrences)
        gap = min_gap_days(md)
        for j, weeks in enumerate(occurrences[1:], start=1):
            options: Counter[int] = Counter()
            pinned = self.pin_at(keys[j]) if j < len(keys) else None
            for w in weeks:
                for t in starts.get(w, []):
                    if (pinned is not None and t != pinned) or not self._in_span(md.id, j, t):
                        continue
                    day = t // DAY
                    if sum(1 for x in times if x // DAY == day) >= md.max_sessions_per_day:
                        continue
                    if any(x < t + dur and t < x + dur for x in times):
                        continue
                    if alternate and (times[-1] // DAY) % 7 == day % 7:
                        continue
                    if gap and any(abs(x // DAY - day) < gap for x in times):
                        continue
                    options[t] = sum(1 for pid in pool if t in free[pid])
            if not options:
                return None
            # same time of day as before when it is as good (a regular rhythm)
            week = 7 * DAY
            by_score = sorted(
                options,
                key=lambda t: (
                    # the members free, and half a member for each with `min_active_days` who
                    # does not have that day yet (one more day is worth losing one of two
                    # people to the module's next group)
                    options[t]
                    + DAY_WEIGHT
                    * sum(1 for x, days in active.items() if t // DAY not in days and t in free[x]),
                    (t - times[-1]) % week == 0,
                    (t - t0) % week == 0,
                    -abs(t % DAY - t0 % DAY),
                    -t,
                ),
                reverse=True,
            )
            # the best time where a room and a team are still free (under Liège's cap of
            # 3 + 1 the coaches' Monday mornings were all taken, and every third group of a
            # morning module failed there though other mornings were free)
            # (only under a site cap, or for a group that holds a pin: without them the first
            # choice stands, the hints the search is tuned on; a pinned group that cannot form
            # leaves its pin unkept and the attempt is no timetable at all: the unseen s4848's
            # pinned job club, 115 people left out at 10 s)
            pinned_group = any(k in self.pins for k in keys)
            tries = HOLDABLE_TRIES if self._capped(md) or pinned_group else 0
            t = next((x for x in by_score[:tries] if self._holdable(md, x)), by_score[0])
            times.append(t)
            pool = {pid for pid in pool if t in free[pid]}
            for days in active.values():
                days.add(t // DAY)
        # rooms and staff at every time, for a group of the size we can fill
        size = min(len(pool), size_max)
        rooms: list[Room | None] = []
        for j, t in enumerate(times):
            if md.off_site:
                rooms.append(None)
                continue
            fit = self.suitable_rooms(md, t, dur)
            if j < len(keys):
                fit = self.pinned_room(keys[j], fit)
            if not fit:
                return None
            room = next((r for r in fit if r.capacity >= min(size, target)), fit[-1])
            rooms.append(room)
            size = min(size, room.capacity)
        if size < md.group_min:
            return None
        # most constrained people first: fewest free starts left for this module
        ranked = sorted(pool, key=lambda pid: (pid not in self.urgent, len(free[pid]), pid))
        members = ranked[: min(size, target)]
        teams: list[dict[str, str]] = []
        only = [self.pinned_staff(k) for k in keys] + [None] * (len(times) - len(keys))
        if md.mediator_required:
            members, teams = self._mediated(md, times, ranked, min(size, target), only)
            if not teams:
                return None
        else:
            # staff hours in the same week are checked as each session is booked; plan them here
            planned: dict[tuple[str, int], int] = {}
            for t, pinned_staff in zip(times, only, strict=False):
                team = self._team_planned(md, t, dur, planned, set(), pinned_staff)
                if team is None:
                    return None
                teams.append(team)
        if len(members) < md.group_min:
            return None
        return times, members, teams, rooms

    def _capped(self, md: Module) -> bool:
        site = self.p.site(md.site_id)
        return site.group_size_cap is not None or site.staff_cap is not None

    def _holdable(self, md: Module, t: int) -> bool:
        """Whether a room (unless off site) and a team are free for a session at `t`."""
        dur = md.duration_minutes
        if not md.off_site and not self.suitable_rooms(md, t, dur):
            return False
        return self.team(md, t, dur, set()) is not None

    def _active_days(self, pids: set[str]) -> dict[str, set[int]]:
        """The days already holding a session of each of `pids` who has `min_active_days`
        (the construction aims the next sessions at the other days)."""
        return {
            pid: {day for day, spans in self.book.busy.get(f"p:{pid}", {}).items() if spans}
            for pid in pids
            if self.people[pid].min_active_days
        }

    def _team_planned(
        self,
        md: Module,
        t: int,
        dur: int,
        planned: dict[tuple[str, int], int],
        languages: set[str] | Counter[str],
        only: set[str] | None = None,
    ) -> dict[str, str] | None:
        week = self.cal.day(t).week
        saved = dict(self.book.week_load)
        for key, x in planned.items():
            self.book.week_load[key] = self.book.week_load.get(key, 0) + x
        try:
            team = self.team(md, t, dur, languages, only=only)
        finally:
            self.book.week_load = saved
        if team is None:
            return None
        for sid in team:
            planned[(sid, week)] = planned.get((sid, week), 0) + dur
        return team

    def _mediated(
        self,
        md: Module,
        times: list[int],
        ranked: list[str],
        size: int,
        only: list[set[str] | None] | None = None,
    ) -> tuple[list[str], list[dict[str, str]]]:
        """Teams whose mediators speak the languages of as many of the `ranked` people as
        possible (a few leading languages tried in turn), and the members they can take."""
        need = Counter(
            lang for pid in ranked if (lang := self.people[pid].interpreter_language) is not None
        )
        tries = [need] + [Counter({lang: len(ranked)}) + need for lang, _ in need.most_common(3)]
        best: tuple[list[str], list[dict[str, str]]] = ([], [])
        for weights in tries:
            members, teams = self._mediated_by(md, times, ranked, size, only, weights)
            if teams and len(members) > len(best[0]):
                best = (members, teams)
            if len(best[0]) >= size:
                break
        return best

    def _mediated_by(
        self,
        md: Module,
        times: list[int],
        ranked: list[str],
        size: int,
        only: list[set[str] | None] | None,
        weights: Counter[str],
    ) -> tuple[list[str], list[dict[str, str]]]:
        dur = md.duration_minutes
        planned: dict[tuple[str, int], int] = {}
        teams = []
        spoken: set[str] | None = None
        for j, t in enumerate(times):
            pinned_staff = only[j] if only is not None and j < len(only) else None
            # later sessions favour the languages the earlier ones' mediators speak
            wanted = weights if spoken is None else Counter({x: weights[x] for x in spoken})
            team = self._team_planned(md, t, dur, planned, wanted, pinned_staff)
            if team is None:
                return [], []
            langs = self.spoken(team)
            spoken = langs if spoken is None else spoken & langs
            teams.append(team)
        spoken = spoken or set()
        members = [
            pid for pid in ranked if self.people[pid].interpreter_language in (None, *spoken)
        ][:size]
        return members, teams

    def _join_anyway(
        self,
        md: Module,
        pid: str,
        groups: list[tuple[str, list[str], list[int], dict[str, str], list[Room | None]]],
        size_max: int,
    ) -> bool:
        level = self.people[pid].language_level
        options = [
            g
            for g in groups
            if len(g[1]) < size_max
            and not (
                md.single_level_groups and any(self.people[x].language_level != level for x in g[1])
            )
        ]
        if not options:
            return False
        gid, members, times, _, rooms = min(options, key=lambda g: len(g[1]))
        for session in list(self.by_group.get(gid, [])):
            self.unplace(session, people=list(members))
        times.clear()
        rooms.clear()
        members.append(pid)
        return True

    def _join(
        self,
        md: Module,
        pid: str,
        groups: list[tuple[str, list[str], list[int], dict[str, str], list[Room | None]]],
        free: dict[str, set[int]],
        size_max: int,
    ) -> bool:
        q = self.people[pid]
        dur = md.duration_minutes
        for gid, members, times, _, rooms in sorted(groups, key=lambda g: len(g[1])):
            if len(members) >= size_max or not all(t in free[pid] for t in times):
                continue
            if md.single_level_groups and any(
                self.people[x].language_level != q.language_level for x in members
            ):
                continue
            if any(r is not None and r.capacity <= len(members) for r in rooms):
                continue
            mine = [s for s in self.sessions if s.group_id == gid]
            if (
                md.mediator_required
                and q.interpreter_language
                and not all(q.interpreter_language in self.spoken(s.staff_roles) for s in mine)
            ):
                continue
            members.append(pid)
            for t in times:
                self.book.add(f"p:{pid}", t, dur)
            return True
        return False
