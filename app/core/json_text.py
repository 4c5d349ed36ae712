"""SQL that writes JSON as pydantic-core does, compact and in a given field order, for
answers PostgreSQL writes itself (app/handlers/fast/json_sql.py, and the people
lists of app/handlers/tweets/listing.py in that mode).

PostgreSQL's own json_build_object writes `{"a" : 1}` and jsonb sorts the keys, so
objects are concatenated: strings through to_json (which escapes as pydantic-core
does: quotes, backslashes and control characters, nothing else), times as pydantic
writes an aware UTC datetime (`…T10:20:30Z`, or `.123000Z` with microseconds).
"""


def text(value: str) -> str:
    """A string as JSON."""
    return f"to_json({value})::text"


def boolean(value: str) -> str:
    return f"CASE WHEN {value} THEN 'true' ELSE 'false' END"


def nullable(json: str) -> str:
    """`json`, or null when its value is NULL (each part of `json` is NULL then)."""
    return f"coalesce({json}, 'null')"


def moment(value: str) -> str:
    """An aware datetime as pydantic writes one in UTC (no fraction when it is zero)."""
    written = f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    return f"""'"' || replace({written}, '.000000Z', 'Z') || '"'"""


def obj(*fields: tuple[str, str], closed: bool = True) -> str:
    """A JSON object of (name, JSON of the value) pairs, in this order; `closed` False:
    without its closing brace, for more to follow."""
    parts = []
    for n, (name, json) in enumerate(fields):
        parts.append(f"""'{"," if n else "{"}"{name}":' || {json}""")
    return " || ".join(parts) + (" || '}'" if closed else "")


def person(prefix: str, *more: tuple[str, str], id_name: str = "id", closed: bool = True) -> str:
    """A `UserRef` (`{id_name, name, handle}`, then `more`) from the columns
    `{prefix}id`, `{prefix}name` and `{prefix}handle`."""
    return obj(
        (id_name, f"{prefix}id::text"),
        ("name", text(f"{prefix}name")),
        ("handle", text(f"{prefix}handle")),
        *more,
        closed=closed,
    )
