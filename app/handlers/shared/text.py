"""Rules for text people type: trimmed, non-empty, bounded, printable."""

import unicodedata

# Line breaks and tabs are part of a post; other control characters (NUL above
# all, which PostgreSQL text cannot hold) and lone UTF-16 surrogates (which are
# not text at all) are never what a person meant.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_REFUSED_CATEGORIES = {"Cc", "Cs"}


def has_unprintable(value: str, *, multiline: bool = False) -> bool:
    allowed = _ALLOWED_CONTROLS if multiline else set()
    return any(
        unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in allowed for ch in value
    )


def clean_text(value: str, *, max_length: int, what: str, multiline: bool) -> str:
    """Return `value` trimmed, or raise ValueError with a sentence a person can act on."""
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > max_length:
        raise ValueError(f"{what} is {len(value)} characters long; the limit is {max_length}")
    if has_unprintable(value, multiline=multiline):
        raise ValueError(f"{what} contains control characters or invalid unicode")
    return value
