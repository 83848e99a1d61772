"""The browser session's refresh cookie: when a login asks for it (`"cookie": true`), the
refresh token is not answered in the body but set as an `HttpOnly; SameSite=Strict` cookie
limited to the refresh path (`Secure` when the request came over TLS), so script on the page
can never read it. Refresh (POST) and logout (DELETE) on that path read it back.

Cross-site forgery: SameSite=Strict keeps the browser from sending the cookie from another
site, and a request carrying Fetch Metadata must say `Sec-Fetch-Site: same-origin` (a
same-site sibling origin is refused too). Only the cookie path is checked: a token given in
the body is the caller's own."""

from __future__ import annotations

from fastapi import Request, Response
from shared.errors import forbidden

COOKIE = "mif_refresh"
COOKIE_PATH = "/api/v1/auth/refresh"


def _secure(request: Request) -> bool:
    # the gateway says what it saw in X-Forwarded-Proto (it never forwards the caller's)
    return request.headers.get("x-forwarded-proto", request.url.scheme) == "https"


def require_same_origin(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise forbidden("the session cookie is only accepted from the console's own origin")


def set_refresh_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, secure=_secure(request), httponly=True, samesite="strict"
    )


def refresh_cookie(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= 256 else None
