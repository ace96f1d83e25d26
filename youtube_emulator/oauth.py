"""Google OAuth 2.0: consent page, token endpoint (PKCE), userinfo and revoke.

Paths are Google's: /o/oauth2/auth (also /o/oauth2/v2/auth), /token (also /o/oauth2/token),
/v1/userinfo (also /oauth2/v3/userinfo), /revoke (also /o/oauth2/revoke). Error bodies are the
shapes of the recordings in youtube-recordings/oauth/.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from youtube_emulator import errors
from youtube_emulator.state import STATE_KEY, AuthCode, EmulatorState, Grant

SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}
AUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "access_type",
    "prompt",
    "login_hint",
    "include_granted_scopes",
)


def state_of(request: web.Request) -> EmulatorState:
    return request.app[STATE_KEY]


def granted_scopes(raw: str) -> list[str]:
    """Google answers with full scope URLs ("email" -> .../userinfo.email) and keeps openid."""
    out: list[str] = []
    for scope in raw.split():
        full = SCOPE_ALIASES.get(scope, scope)
        if full not in out:
            out.append(full)
    return out


def _error_page(status: int, error: str, detail: str) -> web.Response:
    body = (
        "<!DOCTYPE html><html><head><title>Error</title></head><body>"
        f'<h1>Access blocked: authorization error</h1><p id="error">Error {status}: '
        f"{html.escape(error)}</p><p>{html.escape(detail)}</p></body></html>"
    )
    return web.Response(text=body, status=status, content_type="text/html")


def _validate_auth_request(state: EmulatorState, params: Any) -> web.Response | None:
    if params.get("client_id") != state.config.client_id:
        return _error_page(401, "invalid_client", "The OAuth client was not found.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        return _error_page(400, "invalid_request", "Missing required parameter: redirect_uri")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        return _error_page(400, "redirect_uri_mismatch", "redirect_uri must be an http(s) URL.")
    if params.get("response_type") != "code":
        return _error_page(
            400, "unsupported_response_type", "Only response_type=code is supported."
        )
    if not params.get("scope"):
        return _error_page(400, "invalid_request", "Missing required parameter: scope")
    method = params.get("code_challenge_method", "plain")
    if params.get("code_challenge") and method not in ("S256", "plain"):
        return _error_page(400, "invalid_request", "Invalid code_challenge_method.")
    return None


async def authorize(request: web.Request) -> web.StreamResponse:
    """Authorization endpoint: consent page, or an immediate redirect when auto-approving."""
    state = state_of(request)
    params = request.query
    problem = _validate_auth_request(state, params)
    if problem is not None:
        return problem
    hint = params.get("login_hint", "")
    if state.config.auto_approve and hint in state.dataset.accounts:
        return _approve(state, params, hint)
    return web.Response(text=consent_page(state, params), content_type="text/html")


def consent_page(state: EmulatorState, params: Any) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
        for name in AUTH_PARAMS
        if name in params
    )
    accounts = "".join(
        f'<li><form method="post" action="/o/oauth2/approve">{hidden}'
        f'<input type="hidden" name="email" value="{html.escape(a.email)}">'
        f'<button type="submit" class="account" data-email="{html.escape(a.email)}">'
        f"<strong>{html.escape(a.name)}</strong> {html.escape(a.email)}</button></form></li>"
        for a in state.dataset.accounts.values()
    )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in granted_scopes(params["scope"]))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in - Google Accounts'
        "</title></head><body><h1>Choose an account</h1>"
        "<p>to continue to TubeIndex (YouTube emulator)</p>"
        f'<ul id="accounts">{accounts}</ul><h2>TubeIndex wants to</h2><ul>{scopes}</ul>'
        f'<form method="post" action="/o/oauth2/approve">{hidden}'
        '<input type="hidden" name="deny" value="1">'
        '<button type="submit" id="deny">Cancel</button></form></body></html>'
    )


async def approve(request: web.Request) -> web.StreamResponse:
    """The consent form posts here: redirect back with a code (or error=access_denied)."""
    state = state_of(request)
    params = await request.post() if request.method == "POST" else request.query
    problem = _validate_auth_request(state, params)
    if problem is not None:
        return problem
    if params.get("deny"):
        query = {"error": "access_denied"}
        if params.get("state"):
            query["state"] = str(params["state"])
        raise web.HTTPFound(_with_query(str(params["redirect_uri"]), query))
    email = str(params.get("email", ""))
    if email not in state.dataset.accounts:
        return _error_page(400, "invalid_request", "Unknown account.")
    return _approve(state, params, email)


def _approve(state: EmulatorState, params: Any, email: str) -> web.Response:
    scopes = granted_scopes(str(params["scope"]))
    code = state.oauth.new_code(
        client_id=str(params["client_id"]),
        redirect_uri=str(params["redirect_uri"]),
        scopes=scopes,
        email=email,
        challenge=params.get("code_challenge") or None,
        challenge_method=str(params.get("code_challenge_method", "plain")),
        offline=params.get("access_type") == "offline",
    )
    query = {}
    if params.get("state"):
        query["state"] = str(params["state"])
    query.update(
        {"code": code.code, "scope": " ".join(scopes), "authuser": "0", "prompt": "consent"}
    )
    raise web.HTTPFound(_with_query(str(params["redirect_uri"]), query))


def _with_query(url: str, query: dict[str, str]) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode(query)


def _client_credentials(request: web.Request, form: Any) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


async def token(request: web.Request) -> web.Response:
    state = state_of(request)
    form = await request.post()
    client_id, secret = _client_credentials(request, form)
    if client_id != state.config.client_id:
        return errors.oauth_error(401, "invalid_client", "The OAuth client was not found.")
    if secret != state.config.client_secret:
        return errors.oauth_error(401, "invalid_client", "Unauthorized")
    grant_type = str(form.get("grant_type", ""))
    if grant_type == "authorization_code":
        return _exchange_code(state, form)
    if grant_type == "refresh_token":
        return _refresh(state, form)
    return errors.oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")


def _verify_pkce(code: AuthCode, verifier: str) -> str | None:
    """None when the verifier matches the challenge, else Google's error description."""
    if code.challenge is None:
        return None
    if not verifier:
        return "Missing code verifier."
    if code.challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        computed = verifier
    return None if secrets.compare_digest(computed, code.challenge) else "Invalid code verifier."


def _exchange_code(state: EmulatorState, form: Any) -> web.Response:
    code = state.oauth.codes.get(str(form.get("code", "")))
    if code is None or code.used or code.expires_at <= state.clock.now():
        return errors.oauth_error(400, "invalid_grant", "Bad Request")
    if str(form.get("redirect_uri", "")) != code.redirect_uri:
        return errors.oauth_error(400, "redirect_uri_mismatch", "Bad Request")
    pkce_problem = _verify_pkce(code, str(form.get("code_verifier", "")))
    if pkce_problem:
        return errors.oauth_error(400, "invalid_grant", pkce_problem)
    code.used = True  # single use, even if the answer never reaches the client
    grant = state.oauth.new_grant(code.email, code.client_id, code.scopes, code.offline)
    return _token_response(state, grant, include_refresh=True)


def _refresh(state: EmulatorState, form: Any) -> web.Response:
    grant_id = state.oauth.refresh.get(str(form.get("refresh_token", "")))
    grant = state.oauth.grants.get(grant_id or "")
    if grant is None or grant.revoked:
        return errors.oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
    return _token_response(state, grant, include_refresh=False)


def issue_tokens(
    state: EmulatorState, email: str, scopes: list[str], offline: bool = True
) -> dict[str, Any]:
    """Tokens for a demo account without the browser dance (control API, tests)."""
    grant = state.oauth.new_grant(
        email, state.config.client_id, granted_scopes(" ".join(scopes)), offline
    )
    return _token_body(state, grant, include_refresh=True)


def _token_response(state: EmulatorState, grant: Grant, include_refresh: bool) -> web.Response:
    return web.Response(
        text=json.dumps(_token_body(state, grant, include_refresh), indent=2),
        content_type="application/json",
        charset="utf-8",
        headers={
            "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
            "Pragma": "no-cache",
        },
    )


def _token_body(state: EmulatorState, grant: Grant, include_refresh: bool) -> dict[str, Any]:
    """Key order of the recording revealbi__token_authorization_code_response.json."""
    access = state.oauth.new_access_token(grant)
    body: dict[str, Any] = {
        "access_token": access.token,
        "expires_in": max(1, state.config.token_ttl_s - 1),
    }
    if include_refresh and grant.refresh_token:
        body["refresh_token"] = grant.refresh_token
    body["scope"] = " ".join(grant.scopes)
    body["token_type"] = "Bearer"
    if "openid" in grant.scopes:
        body["id_token"] = _id_token(state, grant)
    return body


def _id_token(state: EmulatorState, grant: Grant) -> str:
    """A JWT-shaped id_token; the signature is random bytes (nobody verifies it here)."""
    account = state.dataset.accounts[grant.email]
    now = int(state.clock.now())
    claims = {
        "iss": "https://accounts.google.com",
        "azp": grant.client_id,
        "aud": grant.client_id,
        "sub": account.sub,
        "email": account.email,
        "email_verified": True,
        "at_hash": secrets.token_urlsafe(16)[:22],
        "name": account.name,
        "picture": account.picture,
        "given_name": account.given_name,
        "family_name": account.family_name,
        "iat": now,
        "exp": now + state.config.token_ttl_s,
    }
    header = {"alg": "RS256", "kid": "emulator-" + secrets.token_hex(4), "typ": "JWT"}

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    signature = base64.urlsafe_b64encode(secrets.token_bytes(256)).decode().rstrip("=")
    return f"{part(header)}.{part(claims)}.{signature}"


async def userinfo(request: web.Request) -> web.Response:
    state = state_of(request)
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token_value = (
        value.strip() if scheme.lower() == "bearer" else request.query.get("access_token", "")
    )
    grant = state.oauth.grant_for_access(token_value)
    if grant is None:
        return errors.oauth_error(401, "invalid_request", "Invalid Credentials")
    account = state.dataset.accounts[grant.email]
    body: dict[str, Any] = {"sub": account.sub}
    if SCOPE_ALIASES["profile"] in grant.scopes:
        body.update(
            name=account.name,
            given_name=account.given_name,
            family_name=account.family_name,
            picture=account.picture,
        )
    if SCOPE_ALIASES["email"] in grant.scopes:
        body.update(email=account.email, email_verified=True)
    return web.Response(
        text=json.dumps(body, indent=2), content_type="application/json", charset="utf-8"
    )


async def revoke(request: web.Request) -> web.Response:
    state = state_of(request)
    form = await request.post()
    value = str(form.get("token") or request.query.get("token", ""))
    if not state.oauth.revoke(value):
        return errors.oauth_error(400, "invalid_token", "Token expired or revoked")
    return web.Response(text="{}", content_type="application/json", charset="utf-8")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/o/oauth2/auth", authorize, name="oauth.authorize"),
        web.get("/o/oauth2/v2/auth", authorize, name="oauth.authorize_v2"),
        web.post("/o/oauth2/approve", approve, name="oauth.approve"),
        web.post("/token", token, name="oauth.token"),
        web.post("/o/oauth2/token", token, name="oauth.token_legacy"),
        web.get("/v1/userinfo", userinfo, name="oauth.userinfo"),
        web.get("/oauth2/v3/userinfo", userinfo, name="oauth.userinfo_v3"),
        web.post("/revoke", revoke, name="oauth.revoke"),
        web.post("/o/oauth2/revoke", revoke, name="oauth.revoke_legacy"),
    ]
