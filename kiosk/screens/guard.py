"""What every request to the gate screen and the operator page passes first (an ASGI middleware).

- Host: an IP address, or one of the names the server is reached by (localhost and the configured
  names). A page elsewhere that rebinds its own DNS name to 127.0.0.1 reaches the port, but under
  its own name, and is refused before any route: it cannot read the camera preview or try logins.
  An address cannot be rebound (the page's origin is then the gate's own), so any address passes.
- Origin: a state-changing request (not GET/HEAD/OPTIONS) that a browser marks as coming from
  another origin (or from `null`) is refused, on top of the CSRF token.
- Body size: refused with 413 from the Content-Length before anything is read, and cut off with 413
  once a body without one (chunked) grows past the limit, so no upload fills memory or the disk.
- Headers: every reply carries the security headers given (CSP, frame and referrer policy).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PARSED_WHOLE = frozenset({"application/json", "application/x-www-form-urlencoded", "text/plain"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # not no-referrer: with it a browser sends `Origin: null` on its own form posts
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
}


def host_name(host: str) -> str:
    """The name in a Host header or URL authority without its port, lower-case (`[::1]:8080` -> `::1`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(names: Iterable[str] = ()) -> frozenset[str]:
    """The host names served besides IP addresses: localhost and `names`."""
    return frozenset({"localhost", *(host_name(name) for name in names)})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        hosts: frozenset[str],
        max_body_bytes: int,
        max_upload_bytes: int | None = None,
        headers: Mapping[str, str] = BASE_HEADERS,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes  # files: multipart, or a raw body (photos, trust updates)
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []), *(h for h in self.headers if h[0] not in present)]}
            await send(message)

        refusal = self._refusal(scope["method"], request_headers)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        limit = self._limit(request_headers)
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, f"request body over {limit} bytes")
            return message

        await self.app(scope, bounded_receive, send_with_headers)

    def _refusal(self, method: str, headers: Headers) -> PlainTextResponse | None:
        host = host_name(headers.get("host", ""))
        if host not in self.hosts and not _is_address(host):
            return PlainTextResponse("host not served here (expected the gate's own address)", status_code=421)
        if method not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != headers.get("host", "").lower()):
                return PlainTextResponse("cross-origin request refused", status_code=403)
        length = headers.get("content-length", "")
        limit = self._limit(headers)
        if length and (not length.isdigit() or int(length) > limit):
            return PlainTextResponse(f"request body over {limit} bytes", status_code=413)
        return None

    def _limit(self, headers: Headers) -> int:
        """JSON and URL-encoded forms are parsed whole in memory: the small limit; files (any other body) the upload limit."""
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        return self.max_body_bytes if kind in PARSED_WHOLE else self.max_upload_bytes
