"""``Requesters`` port on the identity service: a job's owner as they are now."""

from __future__ import annotations

from typing import Any

from shared.jobs.domain import Requester


class IdentityRequesters:
    def __init__(self, identity: Any) -> None:  # shared.identity.application.IdentityService
        self._identity = identity

    def requester(self, user_id: int) -> Requester | None:
        view = self._identity.current_user(user_id)
        if view is None:
            return None
        return Requester(view.id, view.username, view.role.value, view.scope_ref)
