"""Groups as a service: membership (roles, removals, bulk actions), invitations, bans, and the
deletions that end calls. REST and WebSocket handlers call these; each change commits first,
then tells the group (announce) and announces the change of rights (control.rights)."""
