"""Group and session keys of the engine, read through its one parser (scheduler.GroupKey and
SessionKey): in the web app, group keys are `module id#group number` (for individual coaching,
`module id#participant id`) and session keys add `@occurrence`."""

from __future__ import annotations

from scheduler import GroupKey, SessionKey


def group_key(text: str) -> GroupKey | None:
    """The group key, or None for text that is not one (a tampered URL, an old record)."""
    try:
        return GroupKey.parse(text)
    except ValueError:
        return None


def module_pk(text: str) -> int | None:
    """The database id of the module of a group key (or of a session key), if it is one."""
    key = group_key(text)
    return int(key.module_id) if key is not None and key.module_id.isdigit() else None


def group_number(text: str) -> int | None:
    """The number after `#` (a group's number, or an individual group's participant id)."""
    key = group_key(text)
    return key.number if key is not None else None


def group_label_part(text: str) -> str:
    """What follows `#` in a group key, as it is."""
    key = group_key(text)
    return key.label if key is not None else text


def session_group(text: str) -> str:
    """The group key of a session key."""
    return SessionKey.parse(text).group_id


def occurrence(text: str) -> int:
    """The occurrence number of a session key."""
    return SessionKey.parse(text).occurrence
