"""OpenID Connect against the hospital's identity provider.

Sign-in is the authorization code flow with PKCE (S256) through authlib's OAuth2 client; the
ID token and API bearer tokens are JWTs verified with pyjwt against the provider's published
keys (JWKS), checking signature, issuer, audience, expiry and (for ID tokens) the nonce.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import httpx2
import jwt
from authlib.integrations.httpx_client import OAuth2Client

from accounts.roles import Role
from cmr_search.loopback import secure_or_loopback

logger = logging.getLogger(__name__)
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class OidcError(RuntimeError):
    """The provider cannot be reached, or a token is not valid; the message says why in one
    line (never the token). `summary`: the same without hosts or issuers, for anyone."""

    def __init__(self, message: str, summary: str = "") -> None:
        super().__init__(message)
        self.summary = summary or "its discovery document is not usable"


class OidcUnreachable(OidcError):  # noqa: N818  (an OidcError: caught as either)
    """The provider does not answer (a transport failure, or its server's own error): nothing
    is known of the credential, so it is no refusal of it; try again later."""


class OidcDiscoveryError(OidcError):
    """The provider's discovery answer is not usable (no JSON, another issuer's, short of an
    endpoint): the provider's fault, not the person's. Apart from other OidcErrors because
    discovery may run at a sign-in's callback too (another worker, a restart), where it was
    shown to anyone and counted as the person's failed sign-in."""


# a token endpoint's error codes (RFC 6749 5.2): the only words of its answer shown
TOKEN_ERRORS = frozenset({"invalid_request", "invalid_client", "invalid_grant",
                          "unauthorized_client", "unsupported_grant_type", "invalid_scope"})


def _unreachable(error: Exception) -> bool:
    """Whether `error` says the provider did not answer rather than answered no (authlib's
    client raises httpx2's errors, not httpx's)."""
    if isinstance(error, httpx.HTTPStatusError | httpx2.HTTPStatusError):
        return error.response.status_code >= 500
    return isinstance(error, httpx.TransportError | httpx2.TransportError
                      | jwt.PyJWKClientConnectionError)


@contextmanager
def _held(lock: threading.Lock) -> Iterator[None]:
    """Release `lock`, acquired already, on leaving."""
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: str = "openid profile email"
    audience: str | None = None  # of API bearer tokens; None = the client id
    roles_claim: str = "roles"
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        # the settings' rule: they took issuers (http://127.0.0.2) that were refused here
        if not secure_or_loopback(self.issuer):
            raise OidcError(f"OIDC issuer {self.issuer}: must be https (http only on "
                            "loopback)")


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what to keep (in the session) to finish."""

    url: str
    state: str
    code_verifier: str
    nonce: str


def role_from_claims(claims: dict[str, Any], claim: str) -> Role | None:
    """The highest cmr-search role the token names (a list, or a space-separated string)."""
    value = claims.get(claim)
    names = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    roles = [Role(n) for n in names if isinstance(n, str) and n in Role.__members__.values()]
    return max(roles, key=lambda r: r.rank, default=None)


def _token_refusal(error: Exception) -> str:
    """A token endpoint's refusal in words anyone may see: its error code, if one of OAuth's
    (its error_description, up to 200 characters of the provider's, was on the page), or the
    error's type; the rest goes to the log."""
    code = getattr(error, "error", None)
    logger.warning("OIDC token exchange refused: %s: %r", type(error).__name__,
                   str(error)[:200])
    if isinstance(code, str):
        return f"the identity provider answered {code if code in TOKEN_ERRORS else 'an error'}"
    return f"the identity provider's answer could not be used ({type(error).__name__})"


class OidcProvider:
    """One identity provider: its discovery document and keys, fetched once and kept."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        self._probing = threading.Lock()  # `problem`'s, apart from the fetch's
        self._checked: tuple[float, OidcError | None] | None = None  # (when, what was wrong)

    def _client(self, redirect_uri: str | None = None,
                timeout_s: float | None = None) -> OAuth2Client:
        return OAuth2Client(self.config.client_id, self.config.client_secret,
                            scope=self.config.scopes, redirect_uri=redirect_uri,
                            code_challenge_method="S256",
                            timeout=timeout_s or self.config.timeout_s,
                            token_endpoint_auth_method="client_secret_post"
                            if self.config.client_secret else "none")

    def problem(self, timeout_s: float = 3.0, every_s: float = 60.0) -> OidcError | None:
        """Why sign-in at the provider fails now (its discovery cannot be fetched or names
        another issuer), or None: asked with a short timeout, at most once every `every_s`
        seconds, so that a start or a readiness probe is never held up for long. Without it
        an unreachable or misconfigured provider showed only at the first sign-in."""
        if self._metadata is not None:
            return None
        now = time.monotonic()
        last = self._checked
        if last is not None and now - last[0] < every_s:
            return last[1]
        # one asks at a time; the others say what was last found: concurrent probes each
        # waited their turn and asked again, the last held for their sum
        if not self._probing.acquire(blocking=False):
            return last[1] if last is not None else None
        try:
            self.metadata(timeout_s)
            found: OidcError | None = None
        except OidcError as error:
            found = error
        finally:
            self._probing.release()
        self._checked = (now, found)
        return found

    def metadata(self, timeout_s: float | None = None) -> dict[str, Any]:
        """The discovery document, fetched once; with `timeout_s`, a fetch under way elsewhere
        (a sign-in's, 10 s) is waited for that long at most, then OidcUnreachable."""
        if not self._lock.acquire(timeout=-1 if timeout_s is None else timeout_s):
            raise OidcUnreachable("OIDC discovery: another fetch of it is still waiting",
                                  "it is slow to answer")
        with _held(self._lock):
            if self._metadata is None:
                url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                try:
                    with self._client(timeout_s=timeout_s) as client:
                        response = client.request("GET", url, withhold_token=True)
                        response.raise_for_status()
                        document = dict(response.json())
                except Exception as error:  # noqa: BLE001  (any transport or JSON failure)
                    down = _unreachable(error)  # else it answered, with no JSON or a 4xx
                    raise (OidcUnreachable if down else OidcDiscoveryError)(
                        f"OIDC discovery at {url}: {type(error).__name__}",
                        f"{'it does not answer' if down else 'its discovery answer is not usable'}"
                        f" ({type(error).__name__})") from None
                if document.get("issuer") != self.config.issuer:
                    raise OidcDiscoveryError(
                        f"OIDC discovery: issuer {document.get('issuer')!r} is not "
                        f"{self.config.issuer!r}", "its discovery document names another "
                        "issuer than CMR_SEARCH_OIDC_ISSUER")
                missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                           if not isinstance(document.get(k), str)]
                if missing:  # a KeyError at sign-in was a 500
                    raise OidcDiscoveryError(
                        f"OIDC discovery: the document names no {missing[0]}",
                        f"its discovery document names no {missing[0]}")
                self._metadata = document
                self._jwks = jwt.PyJWKClient(document["jwks_uri"], cache_keys=True,
                                             lifespan=3600, timeout=int(self.config.timeout_s))
            return self._metadata

    def start(self, redirect_uri: str, silent: bool = False) -> Authorization:
        """The provider's sign-in URL with a fresh state, PKCE verifier and nonce. `silent`:
        `prompt=none`, the provider answers at once, with a code while the person is signed in
        there, else with an error (login_required, ...) instead of asking them."""
        endpoint = str(self.metadata()["authorization_endpoint"])
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
        prompt = {"prompt": "none"} if silent else {}
        with self._client(redirect_uri) as client:
            url, state = client.create_authorization_url(endpoint, code_verifier=verifier,
                                                         nonce=nonce, **prompt)
        return Authorization(url, state, verifier, nonce)

    def finish(self, code: str, redirect_uri: str, code_verifier: str,
               nonce: str) -> tuple[dict[str, Any], str]:
        """Exchange the code (with the PKCE verifier) and return the verified ID token's
        claims, and the ID token itself (the hint that names the session at sign-out)."""
        endpoint = str(self.metadata()["token_endpoint"])
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(endpoint, grant_type="authorization_code",
                                           code=code, code_verifier=code_verifier)
        except Exception as error:  # noqa: BLE001  (transport or OAuth error answer)
            if _unreachable(error):
                raise OidcUnreachable(f"OIDC token exchange: {type(error).__name__}: "
                                      f"{str(error)[:200]}") from None
            raise OidcError(f"OIDC token exchange: {_token_refusal(error)}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("OIDC token exchange: the answer holds no ID token")
        claims = self._decode(id_token, self.config.client_id)
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("OIDC ID token: wrong nonce")
        return claims, id_token

    def end_session_url(self, post_logout_redirect_uri: str, id_token_hint: str | None,
                        state: str) -> str | None:
        """Where to send the browser to end its session at the provider too (OpenID Connect
        RP-Initiated Logout 1.0), or None where the provider offers no end_session_endpoint.
        Raises OidcError where discovery fails."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        try:
            parts = urlsplit(endpoint)
        except ValueError:
            raise OidcError("OIDC discovery: end_session_endpoint is not a URL") from None
        # the browser is sent there: never to a script URL, nor in the clear off this machine
        if not secure_or_loopback(endpoint):
            raise OidcError(f"OIDC discovery: end_session_endpoint {endpoint!r} is not https")
        # client_id beside the hint: allowed by the spec, and it lets the provider check that
        # the hint was issued to this client; alone when the hint was too big to keep
        hint = [("id_token_hint", id_token_hint)] if id_token_hint else []
        params = [*parse_qsl(parts.query), *hint, ("client_id", self.config.client_id),
                  ("post_logout_redirect_uri", post_logout_redirect_uri), ("state", state)]
        return urlunsplit(parts._replace(query=urlencode(params)))

    def _refused_unseen(self, token: str) -> None:
        """OidcError for a token refused whatever the provider's keys say (not a JWT, an
        algorithm not allowed, another issuer, expired), before the provider is asked: while
        it was down, any text sent as a bearer token was a 503 'try again', not a 401 and a
        Security Alert."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True},
                                leeway=30)
        except jwt.PyJWTError as error:
            raise OidcError(f"token: {error}") from None
        if header.get("alg") not in ALGORITHMS:
            raise OidcError(f"token: algorithm {str(header.get('alg'))[:20]!r} not allowed")
        if claims.get("iss") != self.config.issuer:
            raise OidcError("token: Invalid issuer")

    def verify_bearer(self, token: str) -> dict[str, Any]:
        """The claims of an API bearer token (an access token that is a JWT), not an ID token
        (a sign-in's proof of who signed in; with no CMR_SEARCH_OIDC_AUDIENCE its audience,
        the client id, passed as an API credential): one typed ID, or one with a `nonce` and
        no scope (access tokens carry `scope` or `scp`; Keycloak's also carried a nonce)."""
        claims = self._decode(token, self.config.audience or self.config.client_id)
        scoped = "scope" in claims or "scp" in claims
        if str(claims.get("typ", "")).lower() == "id" or ("nonce" in claims and not scoped):
            raise OidcError("token: an ID token, not an access token for the API")
        return claims

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        self._refused_unseen(token)
        self.metadata()
        assert self._jwks is not None
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=ALGORITHMS, audience=audience,
                issuer=self.config.issuer, leeway=30,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        except jwt.PyJWKClientConnectionError as error:  # its keys did not come
            raise OidcUnreachable(f"OIDC keys: {str(error)[:200]}") from None
        except jwt.PyJWTError as error:
            raise OidcError(f"token: {error}") from None
        if claims.get("iat", 0) > time.time() + 60:
            raise OidcError("token: issued in the future")
        return claims
