"""A person's own account: the export of everything about them, and the account's deletion."""
