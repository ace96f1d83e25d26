"""Three search tiers instead of hot/cold, and a chunk trigger that runs only when needed.

- A common word built the GIN bitmap of the whole hot tier (12.5 % of videos, ~300k chunks)
  before LIMIT could stop it (~19 ms, docs/BENCHMARKS.md); a top tier of ~1.5 % is searched
  first, so such a word fills its 1,000 candidates from a bitmap ~8x smaller.
- The per-row trigger copying the video's tier into each chunk (one SELECT per chunk, ~0.8 ms
  of PostgreSQL per video in the playlist fan-out) now runs only for rows inserted without a
  tier: transcript_save passes it in its COPY.

Existing hot videos become HOT; `manage.py rebuild_search_index --tiers-only` assigns TOP.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models

OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION videos_chunk_search_hot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT v.search_hot INTO NEW.search_hot FROM videos_video v WHERE v.id = NEW.video_id;
  NEW.search_hot := coalesce(NEW.search_hot, false);
  RETURN NEW;
END $$;
CREATE TRIGGER videos_chunk_search_hot BEFORE INSERT ON videos_transcriptchunk
FOR EACH ROW EXECUTE FUNCTION videos_chunk_search_hot();
"""
DROP_OLD_TRIGGER = """
DROP TRIGGER IF EXISTS videos_chunk_search_hot ON videos_transcriptchunk;
DROP FUNCTION IF EXISTS videos_chunk_search_hot();
"""

TIER_TRIGGER = """
CREATE OR REPLACE FUNCTION videos_chunk_search_tier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT v.search_tier INTO NEW.search_tier FROM videos_video v WHERE v.id = NEW.video_id;
  NEW.search_tier := coalesce(NEW.search_tier, 0);
  RETURN NEW;
END $$;
CREATE TRIGGER videos_chunk_search_tier BEFORE INSERT ON videos_transcriptchunk
FOR EACH ROW WHEN (NEW.search_tier IS NULL) EXECUTE FUNCTION videos_chunk_search_tier();
"""
DROP_TIER_TRIGGER = """
DROP TRIGGER IF EXISTS videos_chunk_search_tier ON videos_transcriptchunk;
DROP FUNCTION IF EXISTS videos_chunk_search_tier();
"""

COPY_TIERS = """
UPDATE videos_video SET search_tier = 1 WHERE search_hot;
UPDATE videos_transcriptchunk SET search_tier = CASE WHEN search_hot THEN 1 ELSE 0 END;
"""
COPY_HOT = """
UPDATE videos_video SET search_hot = search_tier > 0;
UPDATE videos_transcriptchunk SET search_hot = search_tier > 0;
"""


def tier_index(name: str, tier: int) -> migrations.AddIndex:
    return migrations.AddIndex(
        model_name="transcriptchunk",
        index=django.contrib.postgres.indexes.GinIndex(
            condition=models.Q(("search_tier", tier)), fields=["search_vector"], name=name
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("videos", "0004_chunk_segment_positions")]

    operations = [
        migrations.RunSQL(DROP_OLD_TRIGGER, OLD_TRIGGER),
        migrations.AddField(
            model_name="video",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Cold"), (1, "Hot"), (2, "Top")], db_default=0, default=0
            ),
        ),
        migrations.AddField(
            model_name="transcriptchunk",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                blank=True, choices=[(0, "Cold"), (1, "Hot"), (2, "Top")], default=None, null=True
            ),
        ),
        # Indexes first: rewriting every chunk's tier under the old partial GIN indexes would
        # insert every row into them again.
        migrations.RemoveIndex(model_name="transcriptchunk", name="chunk_search_hot_gin"),
        migrations.RemoveIndex(model_name="transcriptchunk", name="chunk_search_cold_gin"),
        migrations.RunSQL(COPY_TIERS, COPY_HOT),
        migrations.RemoveField(model_name="transcriptchunk", name="search_hot"),
        migrations.RemoveField(model_name="video", name="search_hot"),
        tier_index("chunk_search_cold_gin", 0),
        tier_index("chunk_search_hot_gin", 1),
        tier_index("chunk_search_top_gin", 2),
        migrations.RunSQL(TIER_TRIGGER, DROP_TIER_TRIGGER),
    ]
