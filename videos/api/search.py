"""GET /api/search/: the search page's data as JSON, with the API's one error shape."""

from __future__ import annotations

import copy
import difflib
from datetime import datetime, tzinfo

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer
from videos import selectors
from videos.api.serializers import VideoSerializer
from videos.search.errors import SearchInputError
from videos.search.query import QueryError, filter_value
from videos.search.types import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SORTS,
    SOURCES,
    TRANSCRIPT_KINDS,
    ChannelFilter,
    SearchFilters,
    SearchPage,
)


class SearchParamsSerializer(serializers.Serializer):
    """Query parameters; the same filters can be typed inline in `q` (channel:name lang:en)."""

    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        trim_whitespace=False,
        help_text='Words, "phrases", -excluded, or; the last word matches as a prefix; '
        "inline filters such as channel:name lang:en after:2024-01-01.",
    )
    sort = serializers.ChoiceField(choices=SORTS, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)
    channel = serializers.CharField(required=False, allow_blank=True, max_length=200)
    topic = serializers.CharField(required=False, allow_blank=True, max_length=200)
    playlist = serializers.CharField(required=False, allow_blank=True, max_length=200)
    after = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="2024, 2024-05 or 2024-05-17"
    )
    before = serializers.CharField(required=False, allow_blank=True, max_length=10)
    duration = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="short (< 4 min), medium (4-20), long (> 20) or minutes like 5-20",
    )
    lang = serializers.CharField(required=False, allow_blank=True, max_length=16)
    transcript = serializers.ChoiceField(choices=TRANSCRIPT_KINDS, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=SOURCES, required=False, allow_blank=True)

    FILTER_FIELDS = ("channel", "topic", "playlist", "after", "before", "duration", "lang")
    FILTER_FIELDS += ("transcript", "source")

    def get_fields(self) -> dict[str, serializers.Field]:
        # DRF deep-copies the declared fields for every instance, which was 3/4 of validating
        # the parameters (~0.3 ms a search). Binding sets attributes of the copy only, and
        # these fields' validators, choices and messages are never changed after __init__,
        # so a shallow copy each is enough.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def validate(self, attrs: dict) -> dict:
        values: dict[str, object] = {}
        for key in self.FILTER_FIELDS:
            if raw := (attrs.get(key) or "").strip():
                try:
                    values.update(filter_value(key, raw))
                except QueryError as exc:
                    raise serializers.ValidationError({key: str(exc)}) from exc
        attrs["filters"] = SearchFilters(**values)
        return attrs


def search_from_params(params: QueryDict) -> SearchPage:
    """Validate the parameters and run the search; raises ValidationError / SearchInputError."""
    serializer = SearchParamsSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return selectors.video_search(
        q=data["q"],
        filters=data["filters"],
        sort=data["sort"],
        page=data["page"],
        page_size=data["page_size"],
    )


class MomentSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="seconds from the start of the video")
    timestamp = serializers.CharField(help_text="as YouTube shows it, e.g. 12:05")
    url = serializers.URLField(help_text="opens the video at this moment")
    snippet_html = serializers.CharField(help_text="escaped text, matches in <mark>")


class SearchHitSerializer(serializers.Serializer):
    video = VideoSerializer()
    score = serializers.FloatField()
    title_html = serializers.CharField(
        allow_null=True,
        help_text="the title, escaped, with the query's words in <mark>; null when it has none",
    )
    description_html = serializers.CharField(
        allow_null=True,
        help_text="an excerpt of the description, escaped, with the query's words in <mark>, "
        "when the description matches the query; else null",
    )
    tags_html = serializers.CharField(
        allow_null=True,
        help_text="the video's tags that say the query's words, escaped, comma-separated, the "
        "words in <mark>, when neither moments, the title nor the description say why the "
        "video was found; else null",
    )
    moments = MomentSerializer(many=True)


class FilterChannelSerializer(serializers.Serializer):
    youtube_id = serializers.CharField()
    title = serializers.CharField()


class ChannelFilterSerializer(serializers.Serializer):
    typed = serializers.CharField(help_text="the channel filter as given")
    channels = FilterChannelSerializer(
        many=True, help_text="the channels searched (the closest first), at most 10"
    )
    count = serializers.IntegerField(help_text="how many channels were searched")
    closest = serializers.BooleanField(
        help_text="no channel has that id or name, or a name containing it: these are the "
        "closest names"
    )


class CorrectionSerializer(serializers.Serializer):
    word = serializers.CharField(help_text="a word of the query that no title or channel has")
    also = serializers.ListField(
        child=serializers.CharField(),
        help_text="the close title and channel-name words it also matched",
    )


class UnknownNameSerializer(serializers.Serializer):
    filter = serializers.ChoiceField(choices=["topic", "playlist"])
    typed = serializers.CharField(help_text="the filter as given, which names nothing")


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="matching videos (a lower bound if not exact)")
    count_is_exact = serializers.BooleanField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    channel_filter = ChannelFilterSerializer(
        allow_null=True, help_text="which channels a channel filter searched; null without one"
    )
    corrections = CorrectionSerializer(
        many=True, help_text="typo tolerance: the misspelt words and what they also matched"
    )
    unknown_names = UnknownNameSerializer(
        many=True,
        help_text="topic and playlist filters that match no topic or playlist (so nothing "
        "was found)",
    )
    results = SearchHitSerializer(many=True)


def channel_filter_payload(found: ChannelFilter | None) -> dict | None:
    if found is None:
        return None
    return {
        "typed": found.typed,
        "channels": [{"youtube_id": yid, "title": title} for yid, title in found.channels],
        "count": found.count,
        "closest": found.closest,
    }


def _when(value: datetime | None, tz: tzinfo) -> str | None:
    """DRF DateTimeField's output (ISO 8601 in the current time zone, UTC as Z) but for its
    time zone lookup per value, which was most of building a video's dict."""
    if not value:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def video_payload(video, *, tz: tzinfo | None = None) -> dict:
    """VideoSerializer's output built directly: DRF field machinery was most of the API's time
    for a page of 20 results (a test keeps the two identical). `tz`: the current time zone,
    looked up once per page by the caller."""
    tz = tz or timezone.get_current_timezone()
    channel = video.channel
    transcript = getattr(video, "transcript", None)
    return {
        "youtube_id": video.youtube_id,
        "url": video.url,
        "title": video.title,
        "description": video.description,
        "channel": (
            {"youtube_id": channel.youtube_id, "title": channel.title, "url": channel.url}
            if channel
            else None
        ),
        "published_at": _when(video.published_at, tz),
        "duration_seconds": video.duration_seconds,
        "thumbnail_url": video.thumbnail_url,
        "view_count": video.view_count,
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "language": video.language,
        "tags": list(video.tags),
        "source": video.source,
        "transcript": (
            {
                "language": transcript.language,
                "is_generated": transcript.is_generated,
                "status": transcript.status,
                "error": transcript.error,
                "fetched_at": _when(transcript.fetched_at, tz),
            }
            if transcript
            else None
        ),
    }


def moment_payload(moment) -> dict:
    return {
        "start": moment.start,
        "timestamp": moment.timestamp,
        "url": moment.url,
        "snippet_html": moment.snippet_html,
    }


def _page_url(request: Request, page: int) -> str:
    params = request.query_params.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


# What the search API reads: its parameters, and DRF's ?format= (json, api).
KNOWN_PARAMETERS = (*SearchParamsSerializer._declared_fields, "format")


def _refuse_unknown_parameters(params: QueryDict) -> None:
    """A misspelt or guessed parameter (`language=en` for `lang=en`, `chanel=`) was ignored,
    and the search answered as if it had not been asked: a 400 naming the one meant."""
    for name in params:
        if name not in KNOWN_PARAMETERS:
            close = difflib.get_close_matches(name.lower(), KNOWN_PARAMETERS, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise SearchInputError(
                f"Unknown parameter {name[:50]!r}.{hint}"
                f" The search API reads {', '.join(KNOWN_PARAMETERS)}.",
                extra={"field": name[:50]},
            )


class SearchApi(APIView):
    """Search videos by title, tags, description and what is said in them."""

    @extend_schema(
        parameters=[SearchParamsSerializer],
        responses={200: SearchPageSerializer, 400: ErrorSerializer},
        examples=[
            OpenApiExample(
                "empty query",
                value={"message": "Type something to search for.", "extra": {"field": "q"}},
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
    def get(self, request: Request) -> Response:
        _refuse_unknown_parameters(request.query_params)
        if "q" not in request.query_params:
            raise SearchInputError("Type something to search for.", extra={"field": "q"})
        page = search_from_params(request.query_params)
        tz = timezone.get_current_timezone()
        body = {
            "count": page.total,
            "count_is_exact": page.total_exact,
            "page": page.page,
            "page_size": page.page_size,
            "next": _page_url(request, page.page + 1) if page.has_next else None,
            # Past the results, the page before is as empty: "previous" is the last one with any.
            "previous": _page_url(request, min(page.page - 1, page.last_page))
            if page.has_previous
            else None,
            "channel_filter": channel_filter_payload(page.channel_filter),
            "corrections": [{"word": w, "also": list(also)} for w, also in page.corrections],
            "unknown_names": [{"filter": f, "typed": typed} for f, typed in page.unknown_names],
            "results": [
                {
                    "video": video_payload(hit.video, tz=tz),
                    "score": round(hit.score, 4),
                    "title_html": hit.title_html or None,
                    "description_html": hit.description_html or None,
                    "tags_html": hit.tags_html or None,
                    "moments": [moment_payload(m) for m in hit.moments],
                }
                for hit in page.hits
            ],
        }
        return Response(body)
