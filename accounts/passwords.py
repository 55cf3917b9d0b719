"""Passwords of local accounts, hashed with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
MIN_LENGTH = 12
# a fixed hash to verify against when the user does not exist, so a wrong name costs as long
# as a wrong password (no user enumeration by timing)
_DUMMY = _HASHER.hash("not a password of anyone")


class PasswordError(ValueError):
    """A password that is too short or too long; the message says which."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"password: at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise PasswordError("password: at most 1024 characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
