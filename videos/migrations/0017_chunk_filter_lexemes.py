"""Filters in the chunks' text index: each chunk's filter attributes as lexemes (filter_vector).

A filtered search found a tier's chunks by their words, then read every one of them from the
table to check the filter (the copies of migration 0014): `talk after:2026-01-01` read 13,608
chunks of one tier to keep 2,989 (11 ms). The chunk's published decade, year and month, its
duration bucket, languages, manual/auto, source and channel are now lexemes of a generated
column, indexed along the words in each tier's GIN index, so the index hands over only the
chunks that pass (2.1 ms; docs/BENCHMARKS.md, sixth pass). The filters are still checked on
the rows (videos.search.filters): the lexemes are a superset, months and duration buckets
being coarser than the filters.

The chunk also gets a copy of its video's channel (`video_channel_id`), kept by the triggers
of migration 0014, extended here to it.

Rewrites every chunk row twice (the channel backfill, then the generated column) and rebuilds
the tiers' word indexes: on a large table run it at a quiet hour (docs/OPERATIONS.md).
"""

# ruff: noqa: S608 -- the interpolated SQL is a table name.

from importlib import import_module

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

CHUNKS = "videos_transcriptchunk"
TIERS = ("cold", "hot", "top", "warm", "peak", "cool")  # SearchTier 0..5 by label
TIER_VALUES = {"cold": 0, "hot": 1, "top": 2, "warm": 3, "peak": 4, "cool": 5}
COPIES = import_module("videos.migrations.0014_chunk_filter_copies")

# Years 1900-2199 as decade, year and month lexemes (d202, y2024, m202406); any other as dx.
# Durations in buckets u0..u7 split at 60, 240, 600, 1200, 1800, 3600 and 7200 seconds
# (videos.search.filters.DURATION_BUCKETS; a test holds the two equal).
LEXEMES = r"""
CREATE FUNCTION videos_filter_lexemes(
  published timestamptz, duration integer, source text, video_language text,
  transcript_language text, generated boolean, channel bigint
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(ARRAY[
    CASE WHEN d.y BETWEEN 1900 AND 2199 THEN 'd' || d.y / 10 END,
    CASE WHEN d.y BETWEEN 1900 AND 2199 THEN 'y' || d.y END,
    CASE WHEN d.y BETWEEN 1900 AND 2199 THEN 'm' || (d.y * 100 + d.mo) END,
    CASE WHEN NOT d.y BETWEEN 1900 AND 2199 THEN 'dx' END,
    CASE WHEN duration IS NULL THEN NULL WHEN duration < 60 THEN 'u0' WHEN duration < 240
         THEN 'u1' WHEN duration < 600 THEN 'u2' WHEN duration < 1200 THEN 'u3'
         WHEN duration < 1800 THEN 'u4' WHEN duration < 3600 THEN 'u5'
         WHEN duration < 7200 THEN 'u6' ELSE 'u7' END,
    'l' || nullif(split_part(video_language, '-', 1), ''),
    'l' || nullif(split_part(transcript_language, '-', 1), ''),
    CASE generated WHEN TRUE THEN 'tauto' WHEN FALSE THEN 'tmanual' END,
    's' || nullif(source, ''),
    'ch' || channel
  ], NULL))
  FROM (SELECT date_part('year', published AT TIME ZONE 'UTC')::integer AS y,
               date_part('month', published AT TIME ZONE 'UTC')::integer AS mo) AS d
$$;
"""

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION videos_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT v.published_at, v.duration_seconds, v.source, lower(v.language), v.channel_id
    INTO NEW.video_published_at, NEW.video_duration_seconds, NEW.video_source,
         NEW.video_language, NEW.video_channel_id
    FROM videos_video v WHERE v.id = NEW.video_id;
  SELECT lower(t.language), t.is_generated INTO NEW.transcript_language,
         NEW.transcript_is_generated
    FROM videos_transcript t WHERE t.id = NEW.transcript_id;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION videos_video_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {CHUNKS} SET video_published_at = NEW.published_at,
         video_duration_seconds = NEW.duration_seconds, video_source = NEW.source,
         video_language = lower(NEW.language), video_channel_id = NEW.channel_id
   WHERE video_id = NEW.id;
  RETURN NULL;
END $$;
DROP TRIGGER videos_video_chunk_filters ON videos_video;
CREATE TRIGGER videos_video_chunk_filters
AFTER UPDATE OF published_at, duration_seconds, source, language, channel_id ON videos_video
FOR EACH ROW WHEN (
  OLD.published_at IS DISTINCT FROM NEW.published_at
  OR OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds
  OR OLD.source IS DISTINCT FROM NEW.source OR OLD.language IS DISTINCT FROM NEW.language
  OR OLD.channel_id IS DISTINCT FROM NEW.channel_id
) EXECUTE FUNCTION videos_video_chunk_filters();

UPDATE {CHUNKS} c SET video_channel_id = v.channel_id FROM videos_video v
 WHERE v.id = c.video_id AND v.channel_id IS NOT NULL;
"""

# Back to migration 0014's triggers (they never read video_channel_id).
TRIGGERS_BACKWARD = COPIES.DROP_TRIGGERS + COPIES.FUNCTIONS


def _words_index(label: str, fields: list[str]):
    return django.contrib.postgres.indexes.GinIndex(
        condition=models.Q(("search_tier", TIER_VALUES[label])),
        fields=fields,
        name=f"chunk_search_{label}_gin",
    )


class Migration(migrations.Migration):
    dependencies = [("videos", "0016_expand_prefixes_quoting")]

    operations = [
        # The word indexes go first, so the two rewrites below do not maintain them.
        *(
            migrations.RemoveIndex(model_name="transcriptchunk", name=f"chunk_search_{label}_gin")
            for label in TIERS
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="video_channel_id",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunSQL(TRIGGERS, TRIGGERS_BACKWARD),
        migrations.RunSQL(LEXEMES, "DROP FUNCTION IF EXISTS videos_filter_lexemes"),
        migrations.AddField(
            model_name="transcriptchunk",
            name="filter_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.F("video_published_at"),
                    models.F("video_duration_seconds"),
                    models.F("video_source"),
                    models.F("video_language"),
                    models.F("transcript_language"),
                    models.F("transcript_is_generated"),
                    models.F("video_channel_id"),
                    function="videos_filter_lexemes",
                    output_field=django.contrib.postgres.search.SearchVectorField(),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        *(
            migrations.AddIndex(
                model_name="transcriptchunk",
                index=_words_index(label, ["search_vector", "filter_vector"]),
            )
            for label in TIERS
        ),
    ]
