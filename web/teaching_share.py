"""Sharing a teaching file: with a user (or everyone) to read or edit, or withdrawn; only its
owner shares, an administrator may withdraw a share from any file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accounts import AccountError, Principal, Role, check_name
from db import Access, Action, EventId, TeachingAccessError, TeachingError
from db.teaching import EVERYONE
from web.auth import record
from web.teaching_access import Curator, RowId, cannot, files_of, moderates, moderating

# its routes join the teaching-file pages' router (`web.teaching_pages`), under /teaching
router = APIRouter(include_in_schema=False)


@router.post("/{collection_id}/share", response_model=None)
def share(request: Request, principal: Curator, collection_id: RowId,
          grantee: Annotated[str, Form()] = "", access: Annotated[str, Form()] = "read"
          ) -> Response:
    """Share with a user (or `*`, everyone) to read or edit; `none` withdraws it (all an
    administrator may do to a file not theirs)."""
    files, moderator = files_of(request), moderates(principal)
    try:
        found = files.readable(collection_id, principal.name, moderator)
        if found.access is not Access.OWN and not (moderator and access == "none"):
            raise TeachingAccessError(f"teaching file \u201c{found.name}\u201d: only its owner may "
                                      "share it" + (" (an administrator may stop sharing it)"
                                                    if moderator else ""))
        if access != "none":  # a share is withdrawn by the name it lists, account or not
            grantee = _grantee(request, principal, grantee, access)
        files.share(collection_id, principal.name, grantee, access, moderator)
    except TeachingError as error:
        return cannot(request, "Cannot share", error, collection_id)
    record(request, EventId.INSTANCES_ACCESSED, Action.UPDATE, teaching_file=collection_id,
           change="share", grantee=grantee[:80], access=access[:8],
           **moderating(principal, found))
    return RedirectResponse(f"/teaching/{collection_id}", status_code=303)


def _grantee(request: Request, principal: Principal, typed: str, access: str) -> str:
    """The account a share names, as it is spelt ("BOB" is bob), or `*`: a grant to a name
    no account has was listed and took effect for whoever took that name later. Editing is
    shared with a role that may edit only (a viewer's "may edit" was shown and meant
    nothing)."""
    typed = typed.strip()
    if typed == EVERYONE:
        return typed
    if not typed:  # it was "Bad request name: Field required"
        raise TeachingError("share with: a user name, or * for everyone")
    try:
        account = request.app.state.users.get(check_name(typed))
    except AccountError:
        account = None
    if account is None:
        raise TeachingError(f"no account named {typed[:80]!r}: share with a user name (a "
                            "colleague who signs in through the identity provider has one "
                            "after signing in once), or * for everyone")
    if account.name == principal.name:
        raise TeachingError("you own this teaching file: share it with someone else")
    if access == "edit" and not account.role.allows(Role.CURATOR):
        raise TeachingError(f"{account.name} is a {account.role.value}, whose role cannot "
                            "edit teaching files: share it to read")
    return str(account.name)
