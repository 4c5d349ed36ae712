"""What bulk loading sets aside and must put back exactly as the migrations made it:
indexes (partial ones included), foreign keys and triggers.

Building an index once over all rows is many times faster than updating it row by
row, and so is checking a foreign key with one join. Triggers (counters,
conversations, notifications) would run once per row; the seed computes what they
would have written in SQL instead, so they are switched off while loading.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

# Everything the migrations define that loading touches, one row each: what it is,
# its table, its name and its definition (a trigger's with its enabled state, a
# constraint's with whether it is validated).
_FINGERPRINT = """
SELECT 'index', i.indrelid::regclass::text, i.indexrelid::regclass::text,
       pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname <> 'bench_info'
UNION ALL
SELECT 'constraint', conrelid::regclass::text, conname,
       pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' (not validated)' END
FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
  AND conrelid::regclass::text <> 'bench_info'
UNION ALL
SELECT 'trigger', tgrelid::regclass::text, tgname,
       pg_get_triggerdef(oid) || ' (enabled: ' || tgenabled::text || ')'
FROM pg_trigger
WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class
                                       WHERE relnamespace = 'public'::regnamespace)
UNION ALL
SELECT 'function', '', proname, md5(prosrc)
FROM pg_proc WHERE pronamespace = 'public'::regnamespace
ORDER BY 1, 2, 3
"""


async def fingerprint(connection: asyncpg.Connection) -> list[tuple[str, str, str, str]]:
    """The schema's indexes, constraints, triggers and functions, sorted."""
    return [(row[0], row[1], row[2], row[3]) for row in await connection.fetch(_FINGERPRINT)]


@asynccontextmanager
async def set_aside_for_loading(
    connection: asyncpg.Connection, step: Callable[[str], None]
) -> AsyncIterator[None]:
    """Load with only the primary keys and no triggers, then rebuild exactly what the
    migrations made, and check that the schema is again what it was."""
    migrated = await fingerprint(connection)
    tables = [
        row["name"]
        for row in await connection.fetch(
            "SELECT relname AS name FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            " AND relname <> 'alembic_version'"
        )
    ]
    indexes = await connection.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        tables,
    )
    foreign_keys = await connection.fetch(
        """
        SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS ddl
        FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY($1::text[])
        """,
        tables,
    )
    triggered = [
        row["tbl"]
        for row in await connection.fetch(
            "SELECT DISTINCT tgrelid::regclass::text AS tbl FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY($1::text[])",
            tables,
        )
    ]
    # An index whose definition reads back differently once rebuilt from it (seen:
    # `type IN ('like', 'follow')` becomes a differently cast array) stays and is
    # kept up to date while loading, so the schema stays exactly the migrated one.
    indexes = [index for index in indexes if await _rebuilds_exactly(connection, index["ddl"])]
    for fk in foreign_keys:
        await connection.execute(f'ALTER TABLE {fk["tbl"]} DROP CONSTRAINT "{fk["name"]}"')
    for index in indexes:
        await connection.execute(f"DROP INDEX {index['name']}")
    for table in triggered:
        await connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    step(
        f"rebuilding {len(indexes)} indexes and {len(foreign_keys)} foreign keys; "
        f"triggers back on {len(triggered)} tables"
    )
    await connection.execute("SET max_parallel_maintenance_workers = 2")
    for index in indexes:
        await connection.execute(index["ddl"])
    for fk in foreign_keys:
        await connection.execute(
            f'ALTER TABLE {fk["tbl"]} ADD CONSTRAINT "{fk["name"]}" {fk["ddl"]}'
        )
    for table in triggered:
        await connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    if (now := await fingerprint(connection)) != migrated:
        differs = sorted(set(now) ^ set(migrated))
        raise RuntimeError(f"the schema after loading is not the migrated one: {differs}")


async def _rebuilds_exactly(connection: asyncpg.Connection, ddl: str) -> bool:
    """Whether an index made from `ddl` reads back as `ddl` (tried under another name
    on the still empty table, and rolled back)."""
    head, on, tail = ddl.partition(" ON ")
    probe = head.rsplit(" ", 1)[0] + " bench_probe" + on + tail
    attempt = connection.transaction()
    await attempt.start()
    try:
        await connection.execute(probe)
        again: str = await connection.fetchval("SELECT pg_get_indexdef('bench_probe'::regclass)")
    finally:
        await attempt.rollback()
    return again == probe
