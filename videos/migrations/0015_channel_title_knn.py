"""A GiST trigram index on channel names, for the typo pass's closest channels.

They were found by word_similarity() over every channel: 0.8 ms for 400 channels, 17 ms for
10,000 (docs/BENCHMARKS.md, fifth pass). Ordered by the word-similarity distance (`<<->`),
the GiST index hands out the nearest names first (1.5 ms for 10,000). Created only where
pg_trgm is (migration 0002); without it there is no typo pass.
"""

from django.db import migrations

INDEX = "CREATE INDEX IF NOT EXISTS channel_title_trgm_gist ON videos_channel USING gist (title gist_trgm_ops)"


def create_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is not None:
            cursor.execute(INDEX)


def drop_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS channel_title_trgm_gist")


class Migration(migrations.Migration):
    dependencies = [("videos", "0014_chunk_filter_copies")]

    operations = [migrations.RunPython(create_index, drop_index)]
