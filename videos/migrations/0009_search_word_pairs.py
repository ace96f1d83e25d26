"""Adjacent word pairs of every transcript chunk, for quoted phrases (videos.models).

A phrase of two common words ("hand like") made PostgreSQL recheck adjacency in every chunk
that has both words anywhere: ~20,000 of them in the cold tier, 45-130 ms. With each chunk's
pairs in their own GIN indexes (per tier, as the words), the phrase is looked up by its pairs
and only the chunks that have them are rechecked.

videos_word_pairs(tsvector): the lexemes at positions p and p + 1, joined by a space, as a
tsvector (stop words keep their positions, so "back to around" has no pair "back around",
exactly as its phrase query 'back' <2> 'around' would have it). The english configuration
gives each word one lexeme at its own position, so each position's next one is its pair
(57 µs a chunk, against 76 for a self-join on p + 1 that allows shared positions). videos_phrase_pairs(text[]):
the pairs of each phrase, ANDed as a tsquery, or NULL when no phrase has one.

Adding the stored column rewrites the chunk table (~2 minutes for 2.4 million chunks).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION videos_word_pairs(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(lexeme || ' ' || next)), '') FROM (
    SELECT u.lexeme, p, lead(u.lexeme) OVER w AS next, lead(p) OVER w AS next_p
    FROM unnest(v) u, unnest(u.positions) p WINDOW w AS (ORDER BY p)) words
  WHERE next_p = p + 1
$$;
CREATE OR REPLACE FUNCTION videos_phrase_pairs(phrases text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_agg(
      '''' || replace(replace(pair, '\', '\\'), '''', '''''') || '''', ' & ')::tsquery
  FROM unnest(phrases) AS phrase,
    unnest(tsvector_to_array(videos_word_pairs(to_tsvector('english', phrase)))) AS pair
$$;
"""
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS videos_phrase_pairs(text[]);
DROP FUNCTION IF EXISTS videos_word_pairs(tsvector);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0008_search_video_tiers"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.AddField(
            model_name="transcriptchunk",
            name="pair_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    django.contrib.postgres.search.SearchVector("text", config="english"),
                    function="videos_word_pairs",
                    output_field=django.contrib.postgres.search.SearchVectorField(),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        *(
            migrations.AddIndex(
                model_name="transcriptchunk",
                index=django.contrib.postgres.indexes.GinIndex(
                    condition=models.Q(("search_tier", value)),
                    fields=["pair_vector"],
                    name=f"chunk_pairs_{label}_gin",
                ),
            )
            for value, label in ((0, "cold"), (1, "hot"), (2, "top"), (3, "warm"), (4, "peak"))
        ),
    ]
