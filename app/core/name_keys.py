"""The key a person's name is searched by, so that "anna" finds "Анна", "Анна" finds
"Anna" and "yulia" finds "Юлия": both scripts are brought to one Latin spelling, and
the spellings Russian names are commonly romanised with are folded together.

1. Lower case; Cyrillic transliterated by the table handles are made with
   (app/core/handles.py); accents dropped (unaccent): "José" is "jose".
2. Folded: kh → h, x → ks, w → v, ph → f, then j and y → i and any run of i → one
   i. So "Алексей", "Alexey" and "Aleksei" are all "aleksei"; "Юлия", "Yulia" and
   "Julia" all "iulia"; "Дмитрий" and "Dmitry" "dmitri"; "Михаил" and "Mikhail"
   "mihail".

It is an SQL function (`people_key`, made by migration 0010 from this module), so
the directory's trigram index is built on it and a query's key is made by the same
code as the names'.
"""

from app.core.handles import CYRILLIC


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def people_key_sql(argument: str) -> str:
    """The SQL expression of the key of the text expression `argument`."""
    single = {source: target for source, target in CYRILLIC.items() if len(target) == 1}
    expression = f"lower({argument})"
    for source, target in CYRILLIC.items():
        if len(target) != 1:
            expression = f"replace({expression}, {_quoted(source)}, {_quoted(target)})"
    expression = (
        f"translate({expression}, {_quoted(''.join(single))}, {_quoted(''.join(single.values()))})"
    )
    expression = f"public.unaccent('public.unaccent', {expression})"
    for source, target in (("kh", "h"), ("x", "ks"), ("w", "v"), ("ph", "f")):
        expression = f"replace({expression}, {_quoted(source)}, {_quoted(target)})"
    expression = f"translate({expression}, 'jy', 'ii')"
    return f"regexp_replace({expression}, 'i+', 'i', 'g')"


# The function, as migration 0010 creates it. IMMUTABLE for the index on it: its
# dictionary is named, so no setting changes its result.
PEOPLE_KEY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION people_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN {people_key_sql("name")}
"""
