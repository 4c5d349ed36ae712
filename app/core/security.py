"""Api keys and session tokens: long random tokens made by the server, stored only
as a SHA-256.

A token carries 256 bits of randomness, so a fast hash is enough (no brute force
can walk that space) and lets every request find its user with one index lookup
instead of a slow password hash per request.
"""

import hashlib
import secrets


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


# A session token is made and kept exactly as a key is.
new_session_token = new_api_key
hash_session_token = hash_api_key
