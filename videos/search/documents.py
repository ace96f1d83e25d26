"""Elasticsearch documents (django-elasticsearch-dsl): one per video, one per transcript chunk.

Chunks carry their video's filter fields, so a filtered transcript search is one request.
Documents are written in bulk by ElasticsearchBackend.index_videos, never by per-row signals
(ELASTICSEARCH_DSL_AUTOSYNC is off).
"""

from __future__ import annotations

from django_elasticsearch_dsl import Document, fields
from django_elasticsearch_dsl.registries import registry

from videos.models import TranscriptChunk, Video

VIDEO_INDEX = "tubeindex-videos"
CHUNK_INDEX = "tubeindex-chunks"
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


def _filter_fields() -> dict[str, fields.DEDField]:
    """Fields every document has, for filters: the same in both indices."""
    return {
        "channel_id": fields.LongField(),
        "published_at": fields.DateField(),
        "duration_seconds": fields.IntegerField(),
        "language": fields.KeywordField(),
        "source": fields.KeywordField(),
        "transcript_kind": fields.KeywordField(),  # manual | auto | none
        "topic_ids": fields.LongField(multi=True),
        "playlist_ids": fields.LongField(multi=True),
    }


@registry.register_document
class VideoDocument(Document):
    youtube_id = fields.KeywordField()
    title = fields.TextField(analyzer="english", fields={"raw": fields.KeywordField()})
    tags = fields.TextField(analyzer="english", multi=True)
    description = fields.TextField(analyzer="english")
    channel_title = fields.TextField(analyzer="standard")
    view_count = fields.LongField()
    locals().update(_filter_fields())

    class Index:
        name = VIDEO_INDEX
        settings = INDEX_SETTINGS

    class Django:
        model = Video
        fields: list[str] = []
        ignore_signals = True
        auto_refresh = False

    def _get_actions(self, object_list, action):
        # `manage.py search_index --rebuild` goes through here: build documents the same way
        # the indexing tasks do (videos.search.indexing), in batches.
        if action != "index":
            yield from super()._get_actions(object_list, action)
            return
        from videos.search.indexing import actions_for_rows

        yield from actions_for_rows(object_list, videos=True, chunks=False)


@registry.register_document
class ChunkDocument(Document):
    video_id = fields.LongField()
    youtube_id = fields.KeywordField()
    position = fields.IntegerField()
    start = fields.FloatField()
    text = fields.TextField(analyzer="english")
    # Where each caption line starts (seconds, characters of text): read back, never searched.
    segment_starts = fields.FloatField(multi=True, index=False)
    segment_offsets = fields.IntegerField(multi=True, index=False)
    locals().update(_filter_fields())

    class Index:
        name = CHUNK_INDEX
        settings = INDEX_SETTINGS

    class Django:
        model = TranscriptChunk
        fields: list[str] = []
        ignore_signals = True
        auto_refresh = False

    def get_queryset(self):
        return TranscriptChunk.objects.only("id", "video_id").order_by("video_id", "position")

    def _get_actions(self, object_list, action):
        if action != "index":
            yield from super()._get_actions(object_list, action)
            return
        from videos.search.indexing import actions_for_rows

        yield from actions_for_rows(object_list, videos=False, chunks=True)
