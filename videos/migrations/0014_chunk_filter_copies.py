"""Copies of what search filters on, on each transcript chunk (videos.models.TranscriptChunk).

A filtered search (`after:`, `duration:`, `lang:`, `source:`, `transcript:`) checked every
candidate chunk by looking its video (and transcript) up: ~1.5 µs a chunk, thousands of chunks
when the filter passes a fifth of them. The chunk's own columns cost next to nothing.

Kept current by triggers: a chunk inserted without them (any path but videos.services, which
writes them) gets them from its video and transcript; a change of the video's published date,
duration, source or language, or of the transcript's language or kind, is copied to its chunks.
The backfill rewrites every chunk row (and its index entries): on a large table run it at a
quiet hour (docs/OPERATIONS.md).
"""

# ruff: noqa: S608 -- the interpolated SQL is a table name.

from django.db import migrations, models

CHUNKS = "videos_transcriptchunk"

# The functions and triggers; migration 0017 replaces the first two and reverses to these.
FUNCTIONS = f"""
CREATE FUNCTION videos_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT v.published_at, v.duration_seconds, v.source, lower(v.language)
    INTO NEW.video_published_at, NEW.video_duration_seconds, NEW.video_source,
         NEW.video_language
    FROM videos_video v WHERE v.id = NEW.video_id;
  SELECT lower(t.language), t.is_generated INTO NEW.transcript_language,
         NEW.transcript_is_generated
    FROM videos_transcript t WHERE t.id = NEW.transcript_id;
  RETURN NEW;
END $$;
CREATE TRIGGER videos_chunk_filters BEFORE INSERT ON {CHUNKS}
FOR EACH ROW WHEN (NEW.transcript_is_generated IS NULL) EXECUTE FUNCTION videos_chunk_filters();

CREATE FUNCTION videos_video_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {CHUNKS} SET video_published_at = NEW.published_at,
         video_duration_seconds = NEW.duration_seconds, video_source = NEW.source,
         video_language = lower(NEW.language)
   WHERE video_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER videos_video_chunk_filters
AFTER UPDATE OF published_at, duration_seconds, source, language ON videos_video
FOR EACH ROW WHEN (
  OLD.published_at IS DISTINCT FROM NEW.published_at
  OR OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds
  OR OLD.source IS DISTINCT FROM NEW.source OR OLD.language IS DISTINCT FROM NEW.language
) EXECUTE FUNCTION videos_video_chunk_filters();

CREATE FUNCTION videos_transcript_chunk_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {CHUNKS} SET transcript_language = lower(NEW.language),
         transcript_is_generated = NEW.is_generated
   WHERE transcript_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER videos_transcript_chunk_filters
AFTER UPDATE OF language, is_generated ON videos_transcript
FOR EACH ROW WHEN (
  OLD.language IS DISTINCT FROM NEW.language OR OLD.is_generated IS DISTINCT FROM NEW.is_generated
) EXECUTE FUNCTION videos_transcript_chunk_filters();
"""

BACKFILL = f"""
UPDATE {CHUNKS} c
   SET video_published_at = v.published_at, video_duration_seconds = v.duration_seconds,
       video_source = v.source, video_language = lower(v.language),
       transcript_language = lower(t.language), transcript_is_generated = t.is_generated
  FROM videos_video v, videos_transcript t
 WHERE v.id = c.video_id AND t.id = c.transcript_id;
"""
TRIGGERS = FUNCTIONS + BACKFILL

DROP_TRIGGERS = f"""
DROP TRIGGER IF EXISTS videos_chunk_filters ON {CHUNKS};
DROP TRIGGER IF EXISTS videos_video_chunk_filters ON videos_video;
DROP TRIGGER IF EXISTS videos_transcript_chunk_filters ON videos_transcript;
DROP FUNCTION IF EXISTS videos_chunk_filters();
DROP FUNCTION IF EXISTS videos_video_chunk_filters();
DROP FUNCTION IF EXISTS videos_transcript_chunk_filters();
"""


class Migration(migrations.Migration):
    dependencies = [("videos", "0013_chunk_lexemes")]

    operations = [
        migrations.AddField(
            model_name="transcriptchunk",
            name="transcript_is_generated",
            field=models.BooleanField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="transcript_language",
            field=models.CharField(db_default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="video_duration_seconds",
            field=models.IntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="video_language",
            field=models.CharField(db_default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="video_published_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="video_source",
            field=models.CharField(db_default="", editable=False, max_length=16),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
