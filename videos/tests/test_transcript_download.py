"""Downloading a video's transcript as TXT, SRT or WebVTT: from its page and from the API."""

from __future__ import annotations

import pytest

from videos.models import Transcript
from videos.services import transcript_mark
from videos.tests.search_helpers import add_video

pytestmark = pytest.mark.django_db

YID = "dlVideo0001"
# Two chunks (a line that would end past 30 s starts the second); each line said for 4 s. The
# last line is out of order, as YouTube's lines now and then are.
SAID = [
    (0.0, "hello and welcome"),
    (3.25, "today we cook"),
    (10.0, "first the onions"),
    (31.0, "then the garlic"),
    (30.5, "and salt & <pepper>"),
]

SRT = """\
1
00:00:00,000 --> 00:00:03,250
hello and welcome

2
00:00:03,250 --> 00:00:10,000
today we cook

3
00:00:10,000 --> 00:00:14,000
first the onions

4
00:00:31,000 --> 00:00:31,000
then the garlic

5
00:00:31,000 --> 00:00:35,000
and salt & <pepper>

"""

VTT = """\
WEBVTT

00:00:00.000 --> 00:00:03.250
hello and welcome

00:00:03.250 --> 00:00:10.000
today we cook

00:00:10.000 --> 00:00:14.000
first the onions

00:00:31.000 --> 00:00:31.000
then the garlic

00:00:31.000 --> 00:00:35.000
and salt &amp; &lt;pepper&gt;

"""

TXT = """\
[0:00] hello and welcome
[0:03] today we cook
[0:10] first the onions
[0:31] then the garlic
[0:31] and salt & <pepper>
"""


@pytest.fixture
def video():
    pk = add_video(YID, title="Cooking: Café «crème» / 10 min?", said=SAID)
    assert Transcript.objects.get(video_id=pk).chunks.count() == 2
    return pk


@pytest.mark.parametrize(
    ("ext", "body", "content_type"),
    [
        ("srt", SRT, "application/x-subrip; charset=utf-8"),
        ("vtt", VTT, "text/vtt; charset=utf-8"),
        ("txt", TXT, "text/plain; charset=utf-8"),
    ],
)
def test_the_transcript_downloads_from_the_page_and_the_api(client, video, ext, body, content_type):
    # Lines end where the next starts; the first chunk's last where that chunk ends (14 s, not
    # through the silence to 31 s); the line out of order starts with the one before it, which
    # then ends as it starts (never before, never overlapping).
    for url in (f"/videos/{YID}/transcript.{ext}", f"/api/videos/{YID}/transcript/?format={ext}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode() == body
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''Cooking%20Caf%C3%A9%20%C2%ABcr%C3%A8me%C2%BB%2010%20min"
            f"%20%5B{YID}%5D.{ext}"
        )


def test_an_ascii_title_is_the_quoted_filename(client):
    add_video("asciiVid001", title='Say "hi"', said=[(1.0, "hi")])
    response = client.get("/videos/asciiVid001/transcript.txt")
    assert response["Content-Disposition"] == 'attachment; filename="Say hi [asciiVid001].txt"'


def test_a_video_without_a_title_is_named_by_its_id(client):
    add_video("noTitleVid1", said=[(1.0, "hi")])
    response = client.get("/api/videos/noTitleVid1/transcript/?format=vtt")
    expected = 'attachment; filename="noTitleVid1 [noTitleVid1].vtt"'
    assert response["Content-Disposition"] == expected


def test_the_api_answers_with_the_file_whatever_a_browser_accepts(client, video):
    response = client.get(f"/api/videos/{YID}/transcript/?format=srt", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response.content.decode() == SRT


def test_a_video_without_a_transcript_is_a_404_saying_so(client):
    add_video("noTranscr01")
    disabled = add_video("disabledTr1", said=[(0.0, "gone soon")])
    transcript_mark(video_id=disabled, status=Transcript.Status.DISABLED)
    for yid, status in (("noTranscr01", None), ("disabledTr1", "disabled")):
        page = client.get(f"/videos/{yid}/transcript.srt")
        assert page.status_code == 404
        assert page.content.decode() == "This video has no transcript."
        api = client.get(f"/api/videos/{yid}/transcript/?format=srt")
        assert api.status_code == 404
        assert api.json() == {
            "message": "This video has no transcript.",
            "extra": {"transcript_status": status},
        }


def test_an_unknown_video_is_a_404(client):
    assert client.get("/videos/nope/transcript.txt").status_code == 404
    response = client.get("/api/videos/nope/transcript/?format=txt")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}


@pytest.mark.parametrize("fmt", ["doc", "SRT", "", "srt.txt"])
def test_an_unknown_format_is_a_400_listing_the_formats(client, video, fmt):
    message = "The transcript's format must be txt, srt or vtt."
    page = client.get(f"/videos/{YID}/transcript.{fmt}")
    if fmt:  # (with no extension the address is no page's)
        assert page.status_code == 400
        assert page.content.decode() == message
    api = client.get(f"/api/videos/{YID}/transcript/", {"format": fmt})
    assert api.status_code == 400
    assert api.json() == {
        "message": message,
        "extra": {"field": "format", "formats": ["txt", "srt", "vtt"]},
    }


def test_the_api_needs_a_format(client, video):
    response = client.get(f"/api/videos/{YID}/transcript/")
    assert response.status_code == 400
    assert response.json()["extra"]["formats"] == ["txt", "srt", "vtt"]


def test_downloads_only_read(client, user, video):
    client.force_login(user)
    assert client.post(f"/videos/{YID}/transcript.srt").status_code == 405
    assert client.post(f"/api/videos/{YID}/transcript/?format=srt").status_code == 405
    assert client.get(f"/videos/{YID}/transcript.srt").content.decode() == SRT


def test_the_api_schema_documents_the_download(client):
    schema = client.get("/api/schema/?format=json").json()
    get = schema["paths"]["/api/videos/{youtube_id}/transcript/"]["get"]
    [fmt] = [p for p in get["parameters"] if p["name"] == "format"]
    assert fmt["in"] == "query" and fmt["required"]
    assert sorted(fmt["schema"]["enum"]) == ["srt", "txt", "vtt"]
    assert set(get["responses"]["200"]["content"]) == {
        "text/plain",
        "application/x-subrip",
        "text/vtt",
    }
    error = {"$ref": "#/components/schemas/Error"}
    for code in ("400", "404"):
        assert get["responses"][code]["content"]["application/json"]["schema"] == error


def test_the_video_page_links_to_each_download_with_a_name_that_says_what_it_is(client, video):
    html = client.get(f"/videos/{YID}/").content.decode()
    for ext in ("txt", "srt", "vtt"):
        link = (
            f'<a href="/videos/{YID}/transcript.{ext}"><span class="visually-hidden">'
            f"Download the transcript as </span>{ext.upper()}</a>"
        )
        assert link in html


def test_the_video_page_offers_no_download_without_a_transcript(client):
    add_video("noTranscr01")
    transcript_mark(video_id=add_video("noneTransc1"), status=Transcript.Status.NONE)
    for yid in ("noTranscr01", "noneTransc1"):
        html = client.get(f"/videos/{yid}/").content.decode()
        assert "Transcript</h2>" in html
        assert "/transcript." not in html and "Download" not in html
