"""Sign in with Google end to end: our views, google-auth-oauthlib and the emulator's OAuth."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.db import connection

from indexing.tests.support import ALICE
from playlists.models import GoogleAccount
from playlists.services import google_credentials

pytestmark = pytest.mark.django_db(transaction=True)


def consent(client, yt, email: str = ALICE, **params: str):
    """/auth/google/start/ -> the emulator approves (auto_approve + login_hint) -> callback URL."""
    yt.control.set_config(auto_approve=True)
    start = client.get("/auth/google/start/", {"login_hint": email, **params})
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["access_type"] == ["offline"]
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def follow(client, callback_url: str):
    parsed = urlparse(callback_url)
    return client.get(f"{parsed.path}?{parsed.query}")


def test_sign_in_creates_the_user_and_stores_tokens_encrypted(client, yt):
    response = follow(client, consent(client, yt))
    assert response.status_code == 302 and response["Location"] == "/playlists/"
    account = GoogleAccount.objects.get(email=ALICE)
    assert account.google_id == yt.dataset.accounts[ALICE].sub
    assert account.access_token.startswith("ya29.") and account.refresh_token.startswith("1//")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM playlists_googleaccount WHERE id = %s",
            [account.pk],
        )
        raw_access, raw_refresh = cursor.fetchone()
    assert raw_access != account.access_token and account.access_token not in raw_access
    assert account.refresh_token not in raw_refresh
    # Signed in: the playlists page lists Alice's playlists from YouTube, Liked videos included.
    page = client.get("/playlists/")
    assert page.status_code == 200
    assert b"Alice&#x27;s mix (50 videos)" in page.content and b"Liked videos" in page.content


def test_a_second_sign_in_updates_the_same_user(client, yt):
    follow(client, consent(client, yt))
    client.logout()
    follow(client, consent(client, yt))
    assert GoogleAccount.objects.filter(email=ALICE).count() == 1


def test_a_forged_state_is_refused_without_signing_in(client, yt):
    callback = consent(client, yt)
    forged = callback.replace("state=", "state=forged")
    response = follow(client, forged)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not GoogleAccount.objects.exists()
    page = client.get("/accounts/login/")
    assert b"did not match" in page.content


def test_a_wrong_pkce_verifier_is_refused_by_the_token_endpoint(client, yt):
    callback = consent(client, yt)
    session = client.session
    session["google_oauth"]["code_verifier"] = "x" * 64
    session.save()
    response = follow(client, callback)
    assert response["Location"] == "/accounts/login/"
    assert not GoogleAccount.objects.exists()
    assert b"did not accept" in client.get("/accounts/login/").content


def test_a_callback_without_a_pending_sign_in_is_a_message_not_an_error(client, yt):
    response = client.get("/auth/google/callback/?code=abc&state=def")
    assert response.status_code == 302
    assert b"expired" in client.get("/accounts/login/").content


def test_expired_tokens_are_refreshed_and_stored(client, yt, settings):
    follow(client, consent(client, yt))
    account = GoogleAccount.objects.get(email=ALICE)
    GoogleAccount.objects.filter(pk=account.pk).update(token_expiry="2020-01-01T00:00:00Z")
    credentials = google_credentials(user=account.user)
    assert credentials.valid
    account.refresh_from_db()
    assert account.access_token == credentials.token
    assert account.token_expiry.year >= 2026


def test_a_revoked_grant_sends_the_person_back_to_sign_in(client, yt):
    follow(client, consent(client, yt))
    account = GoogleAccount.objects.get(email=ALICE)
    requests.post(f"{yt.base_url}/revoke", data={"token": account.refresh_token}, timeout=10)
    GoogleAccount.objects.filter(pk=account.pk).update(token_expiry="2020-01-01T00:00:00Z")

    response = client.get("/playlists/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert b"sign in with Google again" in client.get("/accounts/login/").content
    account.refresh_from_db()
    assert account.revoked_at is not None


def test_disconnect_revokes_the_token_at_google(client, yt):
    follow(client, consent(client, yt))
    refresh = GoogleAccount.objects.get(email=ALICE).refresh_token
    response = client.post("/auth/google/disconnect/")
    assert response.status_code == 302
    account = GoogleAccount.objects.get(email=ALICE)
    assert account.revoked_at and not account.refresh_token and not account.access_token
    # Google no longer honours the refresh token.
    answer = requests.post(
        f"{yt.base_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": "tubeindex-dev.apps.googleusercontent.com",
            "client_secret": "tubeindex-dev-secret",
        },
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_signing_in_with_google_comes_back_to_the_page_that_asked(client, yt):
    # A video's "Sign in to extract its audio" sends the person to sign in with ?next=.
    login = client.get("/accounts/login/", {"next": "/videos/dFKS8SoBrCQ/?q=a%20b"})
    assert 'href="/auth/google/start/?next=/videos/dFKS8SoBrCQ/%3Fq%3Da%2520b"' in (
        login.content.decode()
    )
    response = follow(client, consent(client, yt, next="/videos/dFKS8SoBrCQ/?q=a%20b"))
    assert response.status_code == 302 and response["Location"] == "/videos/dFKS8SoBrCQ/?q=a%20b"
    assert GoogleAccount.objects.filter(email=ALICE).exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "home", ""])
def test_a_next_address_off_this_site_is_ignored(client, yt, next_url):
    response = follow(client, consent(client, yt, next=next_url))
    assert response.status_code == 302 and response["Location"] == "/playlists/"
