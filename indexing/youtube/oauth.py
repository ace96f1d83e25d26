"""Google OAuth 2.0 on google-auth-oauthlib: authorization with PKCE, refresh, revoke.

Every URL comes from settings (GOOGLE_AUTH_URI, GOOGLE_TOKEN_URI, ...), so the emulator and Google
differ by configuration only. The `state` and the PKCE `code_verifier` are returned to the caller,
which keeps them in the session between the redirect and the callback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from indexing.youtube.errors import AuthError, TransientError

HTTP_TIMEOUT = 15


class OAuthFlowError(Exception):
    """The authorization could not be completed; `message` is fit to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class AuthorizationStart:
    url: str
    state: str
    code_verifier: str


def client_config() -> dict[str, Any]:
    return {
        "web": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": settings.GOOGLE_AUTH_URI,
            "token_uri": settings.GOOGLE_TOKEN_URI,
        }
    }


def _allow_local_http() -> None:
    """oauthlib refuses plain http; allow it only when our OAuth URLs are http (the emulator)."""
    if any(u.startswith("http://") for u in (settings.GOOGLE_AUTH_URI, settings.GOOGLE_TOKEN_URI)):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    # Google adds `openid` and expands email/profile scopes in the token answer; without this
    # oauthlib raises "Scope has changed" on a perfectly good grant.
    os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = "1"


def _flow(redirect_uri: str, *, state: str | None = None, code_verifier: str | None = None):
    _allow_local_http()
    return Flow.from_client_config(
        client_config(),
        scopes=settings.GOOGLE_OAUTH_SCOPES,
        redirect_uri=redirect_uri,
        state=state,
        code_verifier=code_verifier,
        autogenerate_code_verifier=code_verifier is None,
    )


def authorization_start(*, redirect_uri: str) -> AuthorizationStart:
    flow = _flow(redirect_uri)
    # offline + consent: Google returns a refresh token, also on a second sign-in.
    url, state = flow.authorization_url(
        access_type="offline", prompt="consent", include_granted_scopes="true"
    )
    return AuthorizationStart(url=url, state=state, code_verifier=flow.code_verifier)


def authorization_finish(
    *, redirect_uri: str, state: str, code_verifier: str, authorization_response: str
) -> Credentials:
    """Exchange the code (verifying state here and PKCE at the token endpoint)."""
    flow = _flow(redirect_uri, state=state, code_verifier=code_verifier)
    try:
        flow.fetch_token(authorization_response=authorization_response, timeout=HTTP_TIMEOUT)
    except OAuth2Error as exc:
        # MismatchingStateError, invalid_grant (bad/expired code, PKCE mismatch), access_denied.
        raise OAuthFlowError(_describe(exc)) from exc
    except (requests.RequestException, ValueError) as exc:
        raise OAuthFlowError("Google's sign-in service did not answer properly") from exc
    return flow.credentials


def _describe(exc: OAuth2Error) -> str:
    error = getattr(exc, "error", "") or type(exc).__name__
    if error == "mismatching_state":
        return "The sign-in response did not match this browser session. Please try again."
    if error == "access_denied":
        return "Google sign-in was cancelled."
    if error == "invalid_grant":
        return "Google did not accept the sign-in (expired or already used). Please try again."
    return f"Google sign-in failed ({error}). Please try again."


def userinfo(credentials: Credentials) -> dict[str, Any]:
    """openid/email/profile claims: sub, email, name, picture."""
    try:
        response = requests.get(
            settings.GOOGLE_USERINFO_URI,
            headers={"Authorization": f"Bearer {credentials.token}"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TransientError(f"userinfo: {type(exc).__name__}") from exc
    if response.status_code in (401, 403):
        raise AuthError("Google did not accept the access token", status=response.status_code)
    if response.status_code != 200:
        raise TransientError("userinfo failed", status=response.status_code)
    data = response.json()
    if not data.get("sub"):
        raise AuthError("Google's userinfo answer has no account id")
    return data


def credentials_refresh(credentials: Credentials) -> Credentials:
    """Refresh in place; AuthError when the grant is revoked or expired (sign in again)."""
    try:
        credentials.refresh(Request())
    except RefreshError as exc:
        raise AuthError(f"Google refused to refresh the token: {_first_line(exc)}") from exc
    except TransportError as exc:
        raise TransientError(f"token refresh: {_first_line(exc)}") from exc
    return credentials


def revoke(token: str) -> bool:
    """Revoke a token at Google; True when Google confirms or the token is already invalid."""
    if not token:
        return True
    try:
        response = requests.post(
            settings.GOOGLE_REVOKE_URI,
            data={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException:
        return False
    # 400 invalid_token: already revoked or expired, which is what we wanted.
    return response.status_code in (200, 400)


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.splitlines()[0][:200]
