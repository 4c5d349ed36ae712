"""Rules for text people type: trimmed, non-empty, bounded, printable."""

import unicodedata

# Line breaks and tabs are part of a post; other control characters (NUL above
# all, which PostgreSQL text cannot hold) are never what a person meant.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def clean_text(value: str, *, max_length: int, what: str, multiline: bool) -> str:
    """Return `value` trimmed, or raise ValueError with a sentence a person can act on."""
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > max_length:
        raise ValueError(f"{what} is {len(value)} characters long; the limit is {max_length}")
    allowed = _ALLOWED_CONTROLS if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError(f"{what} contains control characters")
    return value
