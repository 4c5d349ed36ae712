"""The PostgreSQL advisory locks taken by a fixed number, listed in one place so no
two ever share one. (A stored file's own lock is keyed by a hash of its name:
app/handlers/media/locks.py.)"""

# `serve` on an empty database: processes starting together make one administrator.
FIRST_ADMIN = 0x6D62_0001
# Held by `backup` from its snapshot until every picture of it is copied; each
# deletion of a stored file takes it shared (app/handlers/media/locks.py).
BACKUP = 0x6D62_0002
# Held by the migrating session (app/migrations/env.py): processes starting together
# on one database (two `serve`, app replicas) migrate one after the other.
MIGRATIONS = 0x6D62_0003
# Event stream slots (app/live/slots.py), in the two-key form, whose keys never meet
# the one-key locks above: (EVENT_STREAM_SLOTS + slot, person's id), held by a
# process's listening connection for each stream it holds.
EVENT_STREAM_SLOTS = 0x6D62_1000
