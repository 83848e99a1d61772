"""argon2id password hashing, off the event loop (a hash costs tens of milliseconds), and
the strength rule every new password meets."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults
# Verified when the username is unknown, so a wrong username costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(hashed: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, spends the same time and says False."""
    if hashed is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password + "\0")
        return False
    return await asyncio.to_thread(_verify, hashed, password)


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


# -- strength (issue 7, item 10) ---------------------------------------------------------

# zxcvbn's score from 0 (among the most common passwords) to 4; 3 means about 10^8
# guesses or more. Its lists (common passwords, words, first and last names) ship with it.
MIN_SCORE = 3
# zxcvbn refuses longer input; a long password is judged on its first 72 characters.
ZXCVBN_MAX = 72
_WORD = re.compile(r"[^\w]+")


def _names(names: Iterable[str | None]) -> set[str]:
    """The user's names as a guesser would try them: whole, and word by word (a full name,
    an e-mail's local part)."""
    parts: set[str] = set()
    for name in names:
        if not name:
            continue
        name = name.strip().lower()
        local = name.split("@", 1)[0]
        parts.update({name, local})
        parts.update(word for word in _WORD.split(local) if len(word) >= 4)
    return {part for part in parts if len(part) >= 3}


def password_problem(password: str, names: Iterable[str | None]) -> str | None:
    """Why `password` is refused for a user with these names (username, e-mail, full
    name), or None. Contains one of them, or is easy to guess (zxcvbn score below 3)."""
    lowered = password.lower()
    parts = _names(names)
    if any(part in lowered for part in parts):
        return "the password must not contain the user's name, username or e-mail"
    # zxcvbn keeps the user's inputs in a module global: called on the event loop only.
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=sorted(parts))
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "it follows a common pattern"
        return f"the password is too easy to guess ({warning.rstrip('.').lower()})"
    return None
