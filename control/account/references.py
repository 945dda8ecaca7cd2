"""Every column that references users, and what deleting an account does to it: the one list to
extend when a table gains such a column. tests/integration/test_personal_data.py compares it
with the database's foreign keys (a new reference left out of this list fails that test), and
the export (control/account/export.py) must say what each kept or removed row held.

    CASCADE    the row is the person's own and goes with them
    SET NULL   the row belongs to others (a channel's history, a group's call records, a ban
               that must hold) and stays, without the person
    NO ACTION  deletion resolves it first (control/account/deletion.py), or refuses
"""

from __future__ import annotations

from enum import StrEnum


class OnDelete(StrEnum):
    CASCADE = "CASCADE"
    SET_NULL = "SET NULL"
    NO_ACTION = "NO ACTION"


USER_REFERENCES: dict[tuple[str, str], OnDelete] = {
    ("oauth_identities", "user_id"): OnDelete.CASCADE,
    ("refresh_tokens", "user_id"): OnDelete.CASCADE,
    # Owned groups are transferred or deleted as the request says, before the account goes.
    ("groups", "owner_id"): OnDelete.NO_ACTION,
    ("group_members", "user_id"): OnDelete.CASCADE,
    # Their invite links and invitations stop working; invitations addressed to them go.
    ("invites", "created_by"): OnDelete.CASCADE,
    ("invites", "invitee_id"): OnDelete.CASCADE,
    # Their messages stay in the channels as a deleted user's.
    ("messages", "author_id"): OnDelete.SET_NULL,
    # The group's call records keep the participation, anonymised.
    ("call_participants", "user_id"): OnDelete.SET_NULL,
    ("call_mutes", "user_id"): OnDelete.CASCADE,
    ("call_mutes", "muted_by"): OnDelete.SET_NULL,
    # A ban on them has no one left to keep out; a ban they made still holds.
    ("group_bans", "user_id"): OnDelete.CASCADE,
    ("group_bans", "banned_by"): OnDelete.SET_NULL,
    ("recordings", "started_by"): OnDelete.SET_NULL,
    ("recordings", "stopped_by"): OnDelete.SET_NULL,
    ("recording_participants", "user_id"): OnDelete.CASCADE,
    # The group's activity feed and join statistics keep the event, without the person.
    ("group_events", "actor_id"): OnDelete.SET_NULL,
    ("group_events", "subject_id"): OnDelete.SET_NULL,
    ("call_join_attempts", "user_id"): OnDelete.SET_NULL,
    # Their notifications and mutes are theirs; one they caused stays with its recipient.
    ("notifications", "user_id"): OnDelete.CASCADE,
    ("notifications", "from_user_id"): OnDelete.SET_NULL,
    ("notification_mutes", "user_id"): OnDelete.CASCADE,
}
