"""A chunk's two search vectors written by one trigger instead of two generated columns.

As generated columns each parsed the text on its own: pair_vector (migration 0009) could not
use search_vector (a generated column cannot read another), so every chunk was parsed and
stemmed twice, ~2 ms of PostgreSQL CPU per video of a playlist fan-out (docs/BENCHMARKS.md).
The trigger parses it once and derives the pairs from it. It runs on INSERT (COPY included)
and on an UPDATE that sets `text`, so a re-tier (which sets search_tier only) recomputes
nothing. DROP EXPRESSION keeps the values and the indexes: no rewrite.
"""

import django.contrib.postgres.search
from django.db import migrations

TABLE = "videos_transcriptchunk"
VECTOR = "to_tsvector('english'::regconfig, COALESCE(text, ''::text))"
TIERS = ((0, "cold"), (1, "hot"), (2, "top"), (3, "warm"), (4, "peak"), (5, "cool"))

FORWARD = f"""
ALTER TABLE {TABLE} ALTER COLUMN search_vector DROP EXPRESSION,
    ALTER COLUMN pair_vector DROP EXPRESSION;
CREATE OR REPLACE FUNCTION videos_chunk_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := to_tsvector('english'::regconfig, COALESCE(NEW.text, ''));
  NEW.pair_vector := videos_word_pairs(NEW.search_vector);
  RETURN NEW;
END $$;
CREATE TRIGGER videos_chunk_vectors BEFORE INSERT OR UPDATE OF text ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION videos_chunk_vectors();
"""

# Back to generated columns: PostgreSQL cannot give an existing column an expression, so they
# are added anew (a rewrite) with their indexes.
BACKWARD = f"""
DROP TRIGGER IF EXISTS videos_chunk_vectors ON {TABLE};
DROP FUNCTION IF EXISTS videos_chunk_vectors();
ALTER TABLE {TABLE} DROP COLUMN search_vector, DROP COLUMN pair_vector;
ALTER TABLE {TABLE}
    ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED,
    ADD COLUMN pair_vector tsvector GENERATED ALWAYS AS (videos_word_pairs({VECTOR})) STORED;
""" + "".join(
    f"CREATE INDEX chunk_{kind}_{name}_gin ON {TABLE} USING gin ({column})"
    f" WHERE search_tier = {value};\n"
    for value, name in TIERS
    for kind, column in (("search", "search_vector"), ("pairs", "pair_vector"))
)


def vector_field():
    return django.contrib.postgres.search.SearchVectorField(editable=False, null=True)


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0010_search_cool_tier"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="transcriptchunk", name="search_vector", field=vector_field()
                ),
                migrations.AlterField(
                    model_name="transcriptchunk", name="pair_vector", field=vector_field()
                ),
            ],
        ),
    ]
