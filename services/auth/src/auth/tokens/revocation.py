"""Access tokens stop working at once (issue 7, item 5): deactivation and a password change
revoke every token of the user, logout and a reused refresh token every token of the
session (`sid` = the refresh-token family). The markers go to Redis (`shared.revocation`),
where the gateway and every service read them; the refresh tokens themselves are revoked
in the database by the same transaction.

Best effort: if Redis does not answer, the change still happens, a warning is logged, and
the access tokens end with their own lifetime (`access_token_ttl_seconds`).
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError
from shared.logging import get_logger
from shared.revocation import DEFAULT_MARKER_TTL, PREFIX
from shared.revocation import revoke_session as write_session_marker
from shared.revocation import revoke_user as write_user_marker

log = get_logger(__name__)


class _Writer:
    client: Any = None
    ttl: int = DEFAULT_MARKER_TTL
    prefix: str = PREFIX


_writer = _Writer()


def configure(client: Any, access_token_ttl_seconds: int, prefix: str = PREFIX) -> None:
    """Called by create_app: the Redis client and key prefix markers are written with."""
    _writer.client = client
    _writer.prefix = prefix
    # a marker outlives every token it can refuse
    _writer.ttl = access_token_ttl_seconds + 60


async def revoke_user(user_id: int) -> None:
    if _writer.client is None:
        return
    try:
        await write_user_marker(_writer.client, user_id, ttl=_writer.ttl, prefix=_writer.prefix)
    except (RedisError, OSError) as exc:
        log.warning("revocation.write_failed", user_id=user_id, error=repr(exc))


async def revoke_session(session_id: str) -> None:
    if _writer.client is None:
        return
    try:
        await write_session_marker(
            _writer.client, session_id, ttl=_writer.ttl, prefix=_writer.prefix
        )
    except (RedisError, OSError) as exc:
        log.warning("revocation.write_failed", session_id=session_id, error=repr(exc))
