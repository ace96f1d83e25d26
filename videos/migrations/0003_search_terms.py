"""The words of video and channel titles, for typo correction with pg_trgm.

Matching a misspelt word against ~10^4 distinct title words is far cheaper than comparing it
with every title (bench/search.py: the per-title trigram recheck dominated typo queries).
Triggers keep the table current on every write path, including bulk upserts and COPY.
"""

import logging

from django.db import migrations

logger = logging.getLogger("videos.search")

TERMS = """
CREATE TABLE IF NOT EXISTS videos_searchterm (term text PRIMARY KEY);

CREATE OR REPLACE FUNCTION videos_collect_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO videos_searchterm (term)
  SELECT DISTINCT w FROM regexp_split_to_table(lower(coalesce(NEW.title, '')), '[^[:alnum:]]+') w
  WHERE length(w) BETWEEN 4 AND 40
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER videos_video_terms AFTER INSERT OR UPDATE OF title ON videos_video
FOR EACH ROW EXECUTE FUNCTION videos_collect_terms();
CREATE TRIGGER videos_channel_terms AFTER INSERT OR UPDATE OF title ON videos_channel
FOR EACH ROW EXECUTE FUNCTION videos_collect_terms();

INSERT INTO videos_searchterm (term)
SELECT DISTINCT w FROM (
  SELECT regexp_split_to_table(lower(title), '[^[:alnum:]]+') AS w FROM videos_video
  UNION ALL
  SELECT regexp_split_to_table(lower(title), '[^[:alnum:]]+') FROM videos_channel
) words WHERE length(w) BETWEEN 4 AND 40
ON CONFLICT DO NOTHING;
"""

DROP_TERMS = """
DROP TRIGGER IF EXISTS videos_video_terms ON videos_video;
DROP TRIGGER IF EXISTS videos_channel_terms ON videos_channel;
DROP FUNCTION IF EXISTS videos_collect_terms();
DROP TABLE IF EXISTS videos_searchterm;
"""


def index_terms(apps, schema_editor):
    """A trigram index when pg_trgm is there (migration 0002 tried to create it)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            logger.warning("pg_trgm unavailable: search typo tolerance is off")
            return
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS searchterm_trgm ON videos_searchterm "
            "USING gin (term gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("videos", "0002_search")]

    operations = [
        migrations.RunSQL(TERMS, DROP_TERMS),
        migrations.RunPython(index_terms, migrations.RunPython.noop),
    ]
