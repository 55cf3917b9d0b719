"""What the sign-in page says about a sign-in through the identity provider that ended or
failed: the provider's OAuth answers, and the notices of a session's re-check (`web.signin`)."""

from __future__ import annotations

OAUTH_ERRORS = frozenset({  # RFC 6749 4.1.2.1 and OpenID Connect Core 3.1.2.6
    "access_denied", "invalid_request", "unauthorized_client", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable", "interaction_required",
    "login_required", "account_selection_required", "consent_required",
    "invalid_request_uri", "invalid_request_object", "request_not_supported",
    "request_uri_not_supported", "registration_not_supported"})
# the sign-in page's word to someone whose session at the identity provider may live on
STILL_AT_PROVIDER = ("You are signed out of cmr-search, but may still be signed in at the "
                     "identity provider: close the browser before you leave this computer.")
# the provider's answers to a silent sign-in (prompt=none) when it would have to ask the
# person (OpenID Connect Core 3.1.2.6): their session there has ended
_SILENT_REFUSALS = frozenset({"login_required", "interaction_required", "consent_required",
                              "account_selection_required"})
PROVIDER_ENDED = ("Your sign-in at the identity provider has ended: sign in again to go on "
                  "using cmr-search.")
# the sign-in page's word after a re-check that failed otherwise (unreachable, failed, or the
# OAuth error the provider answered): the session here is over all the same
RECHECK_UNREACHABLE = ("The identity provider could not be reached to renew your sign-in, so "
                       "your cmr-search session has ended: sign in again (with a local account "
                       "while the provider is down).")
RECHECK_FAILED = ("The answer of the identity provider to renew your sign-in did not hold, so "
                  "your cmr-search session has ended: sign in again.")


def ended_notice(ended: str) -> str | None:
    """The sign-in page's word on how a session's re-check at the provider ended it (`ended`,
    which `_recheck_failed` left in the session: a link's was a phishing aid)."""
    if ended == "true":
        return PROVIDER_ENDED
    if ended in OAUTH_ERRORS:
        return (f"The identity provider said {ended} when asked to renew your sign-in, so your "
                "cmr-search session has ended: sign in again.")
    return {"unreachable": RECHECK_UNREACHABLE, "failed": RECHECK_FAILED}.get(ended)


def silent_failure(error: str, said: str, fresh: bool) -> tuple[str, str]:
    """`ended` (the sign-in page's notice) and the trail's reason for a re-check answered with
    no code: `error` as the provider sent it, `said` as this app repeats it."""
    if error in _SILENT_REFUSALS:  # it would have had to ask: the provider's session has ended
        return "true", f"the identity provider said {error}"
    if said:
        return (said if said in OAUTH_ERRORS else "failed"), f"the identity provider said {said}"
    return "failed", "the identity provider sent no code" if fresh else "the re-check expired"
