"""Google OAuth 2.0 through the real google-auth-oauthlib / google-auth libraries."""

from __future__ import annotations

import base64
import html
import json
import re
import stat
from urllib.parse import parse_qs, urlsplit

import google.auth.transport.requests
import pytest
import requests
from google.auth.exceptions import RefreshError
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build

from youtube_emulator.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig
from youtube_emulator.testing import EmulatorThread
from youtube_emulator.tests import RECORDINGS as ALL_RECORDINGS

RECORDINGS = ALL_RECORDINGS / "oauth"
REDIRECT = "http://localhost:8000/oauth/callback"
SCOPES = [
    "https://www.googleapis.com/auth/youtube.readonly",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]


@pytest.fixture(autouse=True)
def _plain_http_oauth(monkeypatch):
    # What a development setup sets, see YOUTUBE-NOTES.md (oauthlib refuses http otherwise).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


def client_config(base_url: str, secret: str = DEFAULT_CLIENT_SECRET) -> dict:
    return {
        "web": {
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": secret,
            "auth_uri": f"{base_url}/o/oauth2/auth",
            "token_uri": f"{base_url}/token",
            "redirect_uris": [REDIRECT],
        }
    }


def new_flow(base_url: str, secret: str = DEFAULT_CLIENT_SECRET, **kwargs) -> Flow:
    return Flow.from_client_config(
        client_config(base_url, secret), scopes=SCOPES, redirect_uri=REDIRECT, **kwargs
    )


def choose_account(auth_url: str, email: str) -> str:
    """Open the consent page and click the account, as a browser would; returns the redirect."""
    page = requests.get(auth_url)
    assert page.status_code == 200 and email in page.text
    form = next(f for f in re.findall(r"<form.*?</form>", page.text, re.S) if email in f)
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    base = "{0.scheme}://{0.netloc}".format(urlsplit(auth_url))
    answer = requests.post(base + action, data=fields, allow_redirects=False)
    assert answer.status_code == 302
    return answer.headers["Location"]


def youtube_with(creds, base_url: str):
    """The Data API client of google-api-python-client, with these credentials."""
    return build(
        "youtube",
        "v3",
        credentials=creds,
        static_discovery=True,
        client_options={"api_endpoint": base_url},
    )


def sign_in(emulator, email: str = "alice@example.com"):
    flow = new_flow(emulator.base_url)
    auth_url, state = flow.authorization_url(access_type="offline", prompt="consent")
    redirect = choose_account(auth_url, email)
    # A new Flow, as in the callback request: only state and code_verifier survive.
    callback = new_flow(emulator.base_url, state=state, code_verifier=flow.code_verifier)
    callback.fetch_token(authorization_response=redirect)
    return callback.credentials, redirect, state


def test_full_flow_with_pkce_then_data_api_userinfo_refresh_and_revoke(emulator):
    creds, redirect, state = sign_in(emulator)
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == [state] and query["code"][0].startswith("4/0A")
    assert creds.refresh_token and creds.token.startswith("ya29.")
    youtube = youtube_with(creds, emulator.base_url)
    mine = youtube.channels().list(part="snippet", mine=True).execute()
    assert mine["items"][0]["snippet"]["title"] == "Alice Anderson"

    info = requests.get(
        f"{emulator.base_url}/v1/userinfo", headers={"Authorization": f"Bearer {creds.token}"}
    ).json()
    recorded = json.loads(
        (RECORDINGS / "passport_google_oauth2__userinfo_openid_profile_email.json").read_text()
    )
    assert set(info) == set(recorded) - {"locale"}
    assert info["email"] == "alice@example.com" and info["email_verified"] is True
    assert re.fullmatch(r"\d{21}", info["sub"])

    old_token, old_refresh = creds.token, creds.refresh_token
    creds.refresh(google.auth.transport.requests.Request())
    assert creds.token != old_token and creds.refresh_token == old_refresh

    assert (
        requests.post(f"{emulator.base_url}/revoke", data={"token": old_refresh}).status_code == 200
    )
    with pytest.raises(RefreshError) as refused:
        creds.refresh(google.auth.transport.requests.Request())
    assert "invalid_grant" in str(refused.value)
    revoked = requests.get(
        f"{emulator.base_url}/youtube/v3/channels?part=id&mine=true",
        headers={"Authorization": f"Bearer {creds.token}"},
    )
    assert revoked.status_code == 401
    # google-auth answers a 401 by refreshing, which the revoked grant refuses.
    with pytest.raises(RefreshError):
        youtube.channels().list(part="id", mine=True).execute()


def test_token_response_shapes_follow_the_recordings(emulator):
    flow = new_flow(emulator.base_url)
    auth_url, _ = flow.authorization_url(access_type="offline")
    code = parse_qs(urlsplit(choose_account(auth_url, "bob@example.com")).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "code_verifier": flow.code_verifier,
    }
    body = requests.post(f"{emulator.base_url}/token", data=form).json()
    recorded = json.loads(
        (RECORDINGS / "revealbi__token_authorization_code_response.json").read_text()
    )
    assert list(body) == list(recorded)
    assert body["expires_in"] == 3599 and body["token_type"] == "Bearer"
    assert body["scope"].split() == SCOPES
    _header, claims, _signature = body["id_token"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
    assert payload["email"] == "bob@example.com" and payload["aud"] == DEFAULT_CLIENT_ID
    refreshed = requests.post(
        f"{emulator.base_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    ).json()
    assert "refresh_token" not in refreshed and refreshed["expires_in"] == 3599
    # Reusing a code: the exact body Google sends (recording revealbi__..._bad_request).
    again = requests.post(f"{emulator.base_url}/token", data=form)
    assert again.status_code == 400
    assert again.json() == json.loads(
        (RECORDINGS / "revealbi__token_error_invalid_grant_bad_request.json").read_text()
    )


def test_pkce_and_client_errors(emulator):
    def fresh_code(flow: Flow) -> str:
        auth_url, _ = flow.authorization_url()
        return parse_qs(urlsplit(choose_account(auth_url, "alice@example.com")).query)["code"][0]

    flow = new_flow(emulator.base_url)
    base = {
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    wrong = requests.post(
        f"{emulator.base_url}/token",
        data={**base, "code": fresh_code(flow), "code_verifier": "x" * 50},
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    missing = requests.post(f"{emulator.base_url}/token", data={**base, "code": fresh_code(flow)})
    assert missing.json()["error_description"] == "Missing code verifier."
    bad_secret = requests.post(
        f"{emulator.base_url}/token",
        data={
            **base,
            "client_secret": "nope",
            "code": fresh_code(flow),
            "code_verifier": flow.code_verifier,
        },
    )
    assert bad_secret.status_code == 401
    assert bad_secret.json() == {"error": "invalid_client", "error_description": "Unauthorized"}
    unknown_grant = requests.post(
        f"{emulator.base_url}/token", data={**base, "grant_type": "password"}
    )
    assert unknown_grant.json()["error"] == "unsupported_grant_type"
    bad_refresh = requests.post(
        f"{emulator.base_url}/token",
        data={**base, "grant_type": "refresh_token", "refresh_token": "1//nope"},
    )
    assert bad_refresh.json() == json.loads(
        (RECORDINGS / "synckeeper__token_error_invalid_grant_expired_or_revoked.json").read_text()
    )
    other_client = Flow.from_client_config(
        {"web": {**client_config(emulator.base_url)["web"], "client_id": "someone-else"}},
        scopes=SCOPES,
        redirect_uri=REDIRECT,
    )
    page = requests.get(other_client.authorization_url()[0])
    assert page.status_code == 401 and "invalid_client" in page.text


def test_auto_approve_deny_and_short_lived_tokens(emulator):
    # 10 minutes: longer than google-auth's 3m45s early-refresh margin, so it uses the token.
    emulator.control.set_config(auto_approve=True, token_ttl_s=600)
    flow = new_flow(emulator.base_url)
    auth_url, _ = flow.authorization_url(access_type="offline", login_hint="bob@example.com")
    redirect = requests.get(auth_url, allow_redirects=False)
    assert redirect.status_code == 302
    flow.fetch_token(authorization_response=redirect.headers["Location"])
    creds = flow.credentials
    youtube = youtube_with(creds, emulator.base_url)
    assert youtube.channels().list(part="id", mine=True).execute()["items"]
    emulator.control.advance_clock(601)
    expired = requests.get(
        f"{emulator.base_url}/youtube/v3/channels?part=id&mine=true",
        headers={"Authorization": f"Bearer {creds.token}"},
    )
    assert expired.status_code == 401
    # The client library sees the 401, refreshes the token and retries by itself.
    old_token = creds.token
    assert youtube.channels().list(part="id", mine=True).execute()["items"]
    assert creds.token != old_token
    stats = emulator.control.stats()
    assert stats["errors"]["channels.list"]["401"] == 2
    assert stats["requests"]["oauth.token"] == 2

    deny_page = requests.get(new_flow(emulator.base_url).authorization_url()[0])
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*name="deny".*?</form>', deny_page.text, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))
    denied = requests.post(
        f"{emulator.base_url}/o/oauth2/approve",
        data={k: html.unescape(v) for k, v in fields.items()},
        allow_redirects=False,
    )
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error"] == ["access_denied"]


def test_with_a_grants_file_a_sign_in_survives_a_restart_and_so_does_a_revocation(tmp_path):
    path = tmp_path / "grants.json"
    config = EmulatorConfig(grants_file=str(path))
    with EmulatorThread(config) as first:
        creds, _redirect, _state = sign_in(first)
        port = first.port
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds refresh tokens
    assert creds.refresh_token in path.read_text()

    # The same address, a new process: the stored access token is unknown now, so the client
    # library gets a 401, refreshes with the stored refresh token and carries on.
    with EmulatorThread(EmulatorConfig(grants_file=str(path)), port=port) as second:
        youtube = youtube_with(creds, second.base_url)
        old_token = creds.token
        mine = youtube.channels().list(part="snippet", mine=True).execute()
        assert mine["items"][0]["snippet"]["title"] == "Alice Anderson"
        assert creds.token != old_token
        assert requests.post(f"{second.base_url}/revoke", data={"token": creds.token}).ok

    with EmulatorThread(EmulatorConfig(grants_file=str(path)), port=port) as third:
        with pytest.raises(RefreshError):
            creds.refresh(google.auth.transport.requests.Request())
        third.control.reset()
    assert json.loads(path.read_text()) == {"grants": []}  # a reset starts the file over

    # An unreadable file is no grant (and a warning), not a failure to start.
    path.write_text("{not json")
    with EmulatorThread(EmulatorConfig(grants_file=str(path)), port=port) as fourth:
        assert fourth.state.oauth.grants == {}
