"""Every page a person uses, opened in Chromium with real data (indexed through our services
from the emulator) and checked by axe-core: no violation of impact serious or critical.

axe-core comes bundled in axe-playwright-python (requirements/dev.txt). YouTube's IFrame player
script cannot load offline, so the browser is given a stand-in for it (below), the way the
emulator stands in for YouTube's servers: the page's own code creates and drives the player.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from indexing import services as indexing
from indexing.tests.support import ALICE, playlist_of, run_videos
from media.services import audio_extraction_request
from playlists.models import Playlist
from videos.models import TranscriptChunk, Video

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = ("critical", "serious")
IFRAME_API = "https://www.youtube.com/iframe_api"

# A stand-in for YouTube's IFrame API with its shape: YT.Player(id, {videoId, events}) replaces
# the element with the player's iframe (without a title, as YouTube's may come) and calls
# onYouTubeIframeAPIReady; seekTo records where it was asked to go.
PLAYER_STAND_IN = """
window.seeks = [];
window.YT = { Player: function (id, options) {
  var iframe = document.createElement("iframe");
  iframe.id = id;
  iframe.src = "%(embed)s/embed/" + options.videoId;
  iframe.width = options.width; iframe.height = options.height;
  document.getElementById(id).replaceWith(iframe);
  var self = this;
  this.getIframe = function () { return iframe; };
  this.seekTo = function (seconds) { window.seeks.push(seconds); };
  this.playVideo = function () {};
  setTimeout(function () {
    if (options.events && options.events.onReady) options.events.onReady({ target: self });
  }, 0);
} };
if (window.onYouTubeIframeAPIReady) window.onYouTubeIframeAPIReady();
"""


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now (all impacts), printed one a line."""
    found = Axe().run(page).response["violations"]
    for v in found:
        print(f"  {page.url}: {v['id']} ({v['impact']}) x{len(v['nodes'])}")
    return found


def blocking(name: str, found: list[dict]) -> list[str]:
    return [
        f"{name}: {v['id']} ({v['impact']}, {len(v['nodes'])} node(s)) "
        f"first at {v['nodes'][0]['target']}: {v['help']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def sign_in(page, live_server) -> User:
    page.goto(f"{live_server.url}/")
    page.click("text=Sign in")
    page.click("text=Sign in with Google")
    page.click("text=alice@example.com")
    page.wait_for_url(re.compile(r".*/playlists/$"))
    return User.objects.get(email=ALICE)


def index_playlist(user: User, yt, size: int, *, videos: int | None = None):
    """A job for one of alice's mixes, listed, and all its videos run (or only the first
    `videos` of them, leaving the job running)."""
    playlist = Playlist.objects.get(youtube_id=playlist_of(yt, ALICE, size=size).id)
    job, _ = indexing.index_job_start(user=user, playlist=playlist)
    indexing.playlist_index_run(job_id=job.pk)
    if videos is None:
        run_videos(job.pk)
    else:
        for video_id in job.videos.values_list("video__youtube_id", flat=True)[:videos]:
            indexing.video_index_run(video_id=video_id, job_id=job.pk, attempt=0)
    job.refresh_from_db()
    return job


@pytest.fixture
def player(page, yt):
    """YouTube's IFrame API, as the browser gets it offline: the stand-in above."""
    body = PLAYER_STAND_IN % {"embed": yt.base_url}
    page.route(IFRAME_API, lambda route: route.fulfill(body=body, content_type="text/javascript"))


def test_every_page_has_no_serious_or_critical_axe_violation(page, live_server, yt, player):
    base = live_server.url
    problems: list[str] = []

    def check(name: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(f"{base}{path}")
        problems.extend(blocking(name, violations(page)))

    check("sign-in page", "/accounts/login/")
    alice = sign_in(page, live_server)
    finished = index_playlist(alice, yt, 5)
    running = index_playlist(alice, yt, 50, videos=3)
    assert finished.status == "done" and running.status == "running"
    video = Video.objects.filter(transcript__status="fetched").order_by("id").first()
    signature = yt.dataset.signature(video.youtube_id)
    audio_extraction_request(user=alice, video=video)

    check("home", "/")
    check("playlists", "/playlists/")
    check("job, running", f"/jobs/{running.pk}/")
    check("job, finished", f"/jobs/{finished.pk}/")
    check("search, results", "/search/?" + urlencode({"q": f'"{signature.phrase}"'}))
    assert page.locator("ol.results > li.result").count() == 1
    check("search, no results", "/search/?q=zzyzxqwv")
    assert "Nothing found." in page.inner_text("main")
    filters = {
        "q": signature.codeword,
        "sort": "date",
        "channel": video.channel.title,
        "playlist": finished.playlist.title,
        "after": "2000-01-01",
        "transcript": "has",
    }
    check("search, filters", "/search/?" + urlencode(filters))
    assert page.locator("ol.results > li.result").count() == 1
    check("audio", "/audio/")
    assert "Queued" in page.inner_text("main")
    check("video", f"/videos/{video.youtube_id}/?" + urlencode({"q": signature.codeword}))
    page.wait_for_selector("iframe#player")
    check("video, player loaded")
    check("page not found", "/videos/notavideo1/")
    check("API token", "/accounts/token/")
    page.click("button[value=create]")
    assert len(page.input_value("#new-token")) == 40
    check("API token, new")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def test_the_keyboard_reaches_a_transcript_timestamp_and_it_seeks_the_player(
    page, live_server, yt, player
):
    alice = sign_in(page, live_server)
    index_playlist(alice, yt, 5)
    video = Video.objects.filter(transcript__status="fetched").order_by("id").first()
    page.goto(f"{live_server.url}/videos/{video.youtube_id}/")
    page.wait_for_selector("iframe#player")
    assert page.get_attribute("iframe#player", "title") == f"YouTube video player: {video.title}"
    chunk = TranscriptChunk.objects.filter(video=video).order_by("position")[1]
    stamp = page.locator(f"ol.transcript a.seek[data-seconds='{int(chunk.start)}']")
    for _ in range(200):
        page.keyboard.press("Tab")
        if stamp.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the transcript's second timestamp")
    page.keyboard.press("Enter")
    assert page.evaluate("window.seeks") == [int(chunk.start)]
    assert page.url.startswith(live_server.url)  # the player seeks; the page stays


def test_a_screen_reader_hears_a_jobs_progress_in_steps_and_its_end(page, live_server, yt):
    alice = sign_in(page, live_server)
    job = index_playlist(alice, yt, 50, videos=3)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    bar = page.locator("[role=progressbar]")
    assert bar.get_attribute("aria-label") == "Indexing progress"
    assert bar.get_attribute("aria-valuenow") == str(3 * 100 // job.total)
    assert page.inner_text("#announcer") == ""  # the page itself is read as it loads

    pending = job.videos.filter(outcome="pending").values_list("video__youtube_id", flat=True)
    for video_id in list(pending)[: job.total // 4]:
        indexing.video_index_run(video_id=video_id, job_id=job.pk, attempt=0)
    done = 3 + job.total // 4
    heard = f"Running: {done * 100 // job.total // 10 * 10} %"
    page.wait_for_function(f"document.getElementById('announcer').textContent === {heard!r}")
    assert bar.get_attribute("aria-valuenow") == str(done * 100 // job.total)

    run_videos(job.pk)
    job.refresh_from_db()
    heard = f"{job.get_status_display()}: {job.total} of {job.total} videos"
    page.wait_for_function(f"document.getElementById('announcer').textContent === {heard!r}")
