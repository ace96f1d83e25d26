"""Topics and playlists in the text indexes: a video's topics and playlists as lexemes.

A topic or playlist filter read every video and chunk the tiers' indexes found by the words and
checked it against the topic's videos: a common word with a topic of a fifth of all videos took
~200 ms, most of it the metadata side walking the topic's 20,000 videos in each tier. Now:
- each video has its topics' and playlists' ids (`topic_ids`, `playlist_ids`), kept by
  statement triggers on indexing_topic_videos and playlists_playlistitem (any statement that
  adds, moves or removes a topic's video or a playlist's item, once per statement);
- its `group_vector` holds them as lexemes (tp12, pl34), in each tier's GIN index along its
  words;
- each chunk copies them (`video_topic_ids`, `video_playlist_ids`: from its video on insert,
  and on every change of the video's, by the triggers of migrations 0014 and 0017, which copy
  the others), and its filter_vector holds them as lexemes too.
So both indexes hand over only the topic's matches (docs/BENCHMARKS.md, seventh pass).

Rewrites every chunk and video row (the generated columns) and rebuilds the tiers' word
indexes: on a large table run it at a quiet hour (docs/OPERATIONS.md).
"""

# ruff: noqa: S608 -- the interpolated SQL is table names.

from importlib import import_module

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

CHUNKS = "videos_transcriptchunk"
VIDEOS = "videos_video"
TOPIC_VIDEOS = "indexing_topic_videos"
PLAYLIST_ITEMS = "playlists_playlistitem"
GROUP_TABLES = (TOPIC_VIDEOS, PLAYLIST_ITEMS)
BEFORE = import_module("videos.migrations.0017_chunk_filter_lexemes")
TIERS, TIER_VALUES = BEFORE.TIERS, BEFORE.TIER_VALUES

# The video's columns its chunks copy (chunk column, video column): migration 0017's, and with
# the groups here. Languages are copied lower-cased.
_COPIES_0017 = (
    ("video_published_at", "published_at"),
    ("video_duration_seconds", "duration_seconds"),
    ("video_source", "source"),
    ("video_language", "language"),
    ("video_channel_id", "channel_id"),
)
_GROUP_COPIES = (("video_topic_ids", "topic_ids"), ("video_playlist_ids", "playlist_ids"))


def _copied(row: str, column: str) -> str:
    """A video column as its chunks copy it, from the row `row`."""
    return f"lower({row}.{column})" if column == "language" else f"{row}.{column}"


def _video_to_chunks(copies: tuple[tuple[str, str], ...]) -> str:
    """The trigger that copies a video's changed columns onto its chunks."""
    sets = ", ".join(f"{chunk} = {_copied('NEW', column)}" for chunk, column in copies)
    columns = [column for _chunk, column in copies]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return f"""
CREATE OR REPLACE FUNCTION videos_video_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {CHUNKS} SET {sets} WHERE video_id = NEW.id;
  RETURN NULL;
END $$;
DROP TRIGGER videos_video_chunk_filters ON {VIDEOS};
CREATE TRIGGER videos_video_chunk_filters AFTER UPDATE OF {", ".join(columns)} ON {VIDEOS}
FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION videos_video_chunk_filters();
"""


def _chunk_from_video(copies: tuple[tuple[str, str], ...]) -> str:
    """The function of the insert trigger that gives a chunk its video's and transcript's
    copies (migration 0014's trigger, which runs unless the writer gave them)."""
    columns = ", ".join(_copied("v", column) for _chunk, column in copies)
    into = ", ".join(f"NEW.{chunk}" for chunk, _column in copies)
    return f"""
CREATE OR REPLACE FUNCTION videos_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT {columns} INTO {into} FROM {VIDEOS} v WHERE v.id = NEW.video_id;
  SELECT lower(t.language), t.is_generated INTO NEW.transcript_language,
         NEW.transcript_is_generated
    FROM videos_transcript t WHERE t.id = NEW.transcript_id;
  RETURN NEW;
END $$;
"""


# A video's topics and playlists now, ids in order (over the video id v.id).
_GROUPS_OF = f"""
  ARRAY(SELECT t.topic_id FROM {TOPIC_VIDEOS} t WHERE t.video_id = v.id ORDER BY 1) AS topics,
  ARRAY(SELECT DISTINCT p.playlist_id FROM {PLAYLIST_ITEMS} p WHERE p.video_id = v.id ORDER BY 1)
    AS playlists
"""
_STATEMENT_TRIGGERS = (
    ("inserted", "INSERT", "NEW TABLE AS new_rows", "SELECT video_id FROM new_rows"),
    ("deleted", "DELETE", "OLD TABLE AS old_rows", "SELECT video_id FROM old_rows"),
    (
        "updated",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT video_id FROM new_rows UNION SELECT video_id FROM old_rows",
    ),
)

GROUPS = (
    f"""
-- These videos' topic_ids and playlist_ids, where they differ from their rows in the topics'
-- and playlists' tables (videos_video_chunk_filters then copies them onto the chunks).
-- The videos are locked first, in youtube_id order as the upserts lock them (videos.services:
-- no two statements wait on each other in a cycle); the UPDATE then reads the memberships in
-- a snapshot of its own (a volatile function's every statement takes one), taken once any
-- other statement changing these videos' memberships has committed: two topics taking the
-- same videos at once each wrote copies from a view without the other's change.
CREATE FUNCTION videos_groups_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  SELECT 1 FROM {VIDEOS} v WHERE v.id = ANY(ids) ORDER BY v.youtube_id FOR UPDATE;
  UPDATE {VIDEOS} v SET topic_ids = g.topics, playlist_ids = g.playlists
    FROM (SELECT v.id, {_GROUPS_OF} FROM (SELECT DISTINCT id FROM unnest(ids) AS u(id)) v) g
   WHERE v.id = g.id AND (v.topic_ids <> g.topics OR v.playlist_ids <> g.playlists)
$$;
"""
    + "".join(
        f"""
CREATE FUNCTION videos_groups_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM videos_groups_refresh(ARRAY({rows}));
  RETURN NULL;
END $$;
"""
        for name, _event, _referencing, rows in _STATEMENT_TRIGGERS
    )
    + "".join(
        f"""
CREATE TRIGGER videos_groups_{name} AFTER {event} ON {table} REFERENCING {referencing}
FOR EACH STATEMENT EXECUTE FUNCTION videos_groups_{name}();
"""
        for table in GROUP_TABLES
        for name, event, referencing, _rows in _STATEMENT_TRIGGERS
    )
    # A chunk inserted gets its video's in the lookup of its other copies.
    + _chunk_from_video(_COPIES_0017 + _GROUP_COPIES)
    + _video_to_chunks(_COPIES_0017 + _GROUP_COPIES)
    + f"""
SELECT videos_groups_refresh(
  ARRAY(SELECT video_id FROM {TOPIC_VIDEOS} UNION SELECT video_id FROM {PLAYLIST_ITEMS}));
"""
)

DROP_GROUPS = (
    "".join(
        f"DROP TRIGGER IF EXISTS videos_groups_{name} ON {table};\n"
        for table in GROUP_TABLES
        for name, _event, _referencing, _rows in _STATEMENT_TRIGGERS
    )
    + "".join(
        f"DROP FUNCTION IF EXISTS videos_groups_{name}();\n"
        for name, _event, _referencing, _rows in _STATEMENT_TRIGGERS
    )
    + """
DROP FUNCTION IF EXISTS videos_groups_refresh(bigint[]);
"""
    + _chunk_from_video(_COPIES_0017)
    + _video_to_chunks(_COPIES_0017)
)

# Topics as tp12, playlists as pl34; a chunk's filter lexemes are migration 0017's and these.
LEXEMES = r"""
CREATE FUNCTION videos_group_lexemes(topics bigint[], playlists bigint[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(SELECT 'tp' || t FROM unnest(topics) AS t)
                           || ARRAY(SELECT 'pl' || p FROM unnest(playlists) AS p))
$$;
CREATE FUNCTION videos_filter_lexemes(
  published timestamptz, duration integer, source text, video_language text,
  transcript_language text, generated boolean, channel bigint, topics bigint[], playlists bigint[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT videos_filter_lexemes(
      published, duration, source, video_language, transcript_language, generated, channel)
    || videos_group_lexemes(topics, playlists)
$$;
"""
DROP_LEXEMES = """
DROP FUNCTION IF EXISTS videos_filter_lexemes(
  timestamptz, integer, text, text, text, boolean, bigint, bigint[], bigint[]);
DROP FUNCTION IF EXISTS videos_group_lexemes(bigint[], bigint[]);
"""

CHUNK_COPIES = [
    "video_published_at",
    "video_duration_seconds",
    "video_source",
    "video_language",
    "transcript_language",
    "transcript_is_generated",
    "video_channel_id",
    "video_topic_ids",
    "video_playlist_ids",
]


def _vector(function: str, columns: list[str]):
    return models.GeneratedField(
        db_persist=True,
        expression=models.Func(
            *(models.F(name) for name in columns),
            function=function,
            output_field=django.contrib.postgres.search.SearchVectorField(),
        ),
        output_field=django.contrib.postgres.search.SearchVectorField(),
    )


def _ids():
    return django.contrib.postgres.fields.ArrayField(
        base_field=models.BigIntegerField(), db_default=[], default=list, editable=False, size=None
    )


def _index_name(model: str, label: str) -> str:
    return f"{'chunk' if model == 'transcriptchunk' else 'video'}_search_{label}_gin"


def _words_index(model: str, label: str, fields: list[str]):
    return django.contrib.postgres.indexes.GinIndex(
        condition=models.Q(("search_tier", TIER_VALUES[label])),
        fields=fields,
        name=_index_name(model, label),
    )


INDEXED = {
    "transcriptchunk": ["search_vector", "filter_vector"],
    "video": ["search_vector", "group_vector"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0017_chunk_filter_lexemes"),
        ("indexing", "0002_job_dispatch_resume_retries"),
        ("playlists", "0001_initial"),
    ]

    operations = [
        # The word indexes go first, so the rewrites below do not maintain them.
        *(
            migrations.RemoveIndex(model_name=model, name=_index_name(model, label))
            for model in INDEXED
            for label in TIERS
        ),
        migrations.RemoveField(model_name="transcriptchunk", name="filter_vector"),
        migrations.AddField(model_name="video", name="topic_ids", field=_ids()),
        migrations.AddField(model_name="video", name="playlist_ids", field=_ids()),
        migrations.AddField(model_name="transcriptchunk", name="video_topic_ids", field=_ids()),
        migrations.AddField(model_name="transcriptchunk", name="video_playlist_ids", field=_ids()),
        migrations.RunSQL(GROUPS, DROP_GROUPS),
        migrations.RunSQL(LEXEMES, DROP_LEXEMES),
        migrations.AddField(
            model_name="video",
            name="group_vector",
            field=_vector("videos_group_lexemes", ["topic_ids", "playlist_ids"]),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="filter_vector",
            field=_vector("videos_filter_lexemes", CHUNK_COPIES),
        ),
        *(
            migrations.AddIndex(model_name=model, index=_words_index(model, label, fields))
            for model, fields in INDEXED.items()
            for label in TIERS
        ),
        # A topic's or playlist's videos without words (videos.search.postgres._filtered).
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["topic_ids", "playlist_ids"], name="video_groups_gin"
            ),
        ),
    ]
