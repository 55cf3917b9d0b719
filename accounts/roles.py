"""Roles, from least to most allowed, and the person a request acts for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Each role may do what the ones before it may."""

    VIEWER = "viewer"  # search and view, de-identified: no report text, dates as a year
    CLINICIAN = "clinician"  # also reports and dates as stored
    CURATOR = "curator"  # also teaching files (own, and those shared with them)
    ADMIN = "admin"  # also users, tokens and the audit trail

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class Via(StrEnum):
    """How a request proved who it acts for."""

    SESSION = "session"  # a signed-in browser (local password or OIDC)
    BEARER = "bearer"  # an access token of the identity provider
    API_TOKEN = "api_token"  # a personal API token
    OPEN = "open"  # a loopback server without sign-in


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    via: Via
    user_id: int | None = None  # None for the open loopback person and provider-only bearers

    def allows(self, needed: Role) -> bool:
        return self.role.allows(needed)
