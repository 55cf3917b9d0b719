"""Who may do what: roles, local accounts (Argon2id passwords), personal API tokens, and
OpenID Connect sign-in and bearer tokens.

    from accounts import Role, Users, ApiTokens
    users = Users(database)
    users.add("alice", Role.CURATOR, password="...")
"""

from accounts.oidc import (
    Authorization,
    OidcConfig,
    OidcDiscoveryError,
    OidcError,
    OidcProvider,
    OidcUnreachable,
    role_from_claims,
)
from accounts.passwords import PasswordError
from accounts.roles import Principal, Role, Via
from accounts.tokens import (
    OTHER_PROCESS_SECONDS,
    PROVIDER_SIGN_IN_DAYS,
    AlreadyRevoked,
    ApiTokens,
    TokenInfo,
    token_id_of,
)
from accounts.users import Account, AccountError, Users, check_name, parse_role

__all__ = [
    "OTHER_PROCESS_SECONDS", "PROVIDER_SIGN_IN_DAYS", "Account", "AccountError",
    "AlreadyRevoked", "ApiTokens", "Authorization", "OidcConfig", "OidcDiscoveryError",
    "OidcError", "OidcProvider", "OidcUnreachable", "PasswordError", "Principal", "Role",
    "TokenInfo", "Users", "Via",
    "check_name", "parse_role", "role_from_claims", "token_id_of",
]
