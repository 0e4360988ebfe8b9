"""Organisers' passwords: argon2id hashes through argon2-cffi's ``PasswordHasher``."""

from __future__ import annotations

from functools import cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

#: Shortest password the console accepts.
MIN_LENGTH = 12
#: Longest; hashing is costly, so nobody gets to send a megabyte of password.
MAX_LENGTH = 1024

#: ``default`` is argon2-cffi's own choice (RFC 9106, low memory). ``fast`` makes test
#: suites quick and is refused outside testing.
_PROFILES: dict[str, Parameters] = {
    "default": profiles.RFC_9106_LOW_MEMORY,
    "fast": profiles.CHEAPEST,
}


def _profile() -> str:
    if not has_app_context():
        return "default"
    name = current_app.config.get("PASSWORD_HASH_PROFILE", "default")
    if name != "default" and not current_app.testing:
        raise RuntimeError("PASSWORD_HASH_PROFILE other than 'default' is for tests only")
    return name


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(_PROFILES[profile])


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher_for(profile).hash("no account has this password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with a fresh salt."""
    return _hasher_for(_profile()).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a damaged hash never matches."""
    try:
        return _hasher_for(_profile()).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nobody(password: str) -> None:
    """Spend the time of one verification, so an unknown email answers as slowly as a known one."""
    verify_password(_dummy_hash(_profile()), password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash after sign-in)."""
    return _hasher_for(_profile()).check_needs_rehash(password_hash)
