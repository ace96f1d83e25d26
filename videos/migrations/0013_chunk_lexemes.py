"""Every lexeme the transcript chunks hold, so a typed prefix can be matched as its words.

GIN matches a prefix (`'find':*`) by reading the posting lists of every lexeme in the range
into one bitmap before it can AND it with the other words; with whole lexemes instead
(`'find' | 'finder'`) it skips through them along the rarer word, as for any typed word. On
the benchmark's two-word searches that halved the ranking (docs/BENCHMARKS.md, fifth pass).

`videos_expand_prefixes(q, n)` rewrites each prefix of a tsquery into the lexemes it stands
for, when there are at most `n` of them (a short prefix such as "co" stays a prefix). The
table only grows: a lexeme whose chunks were deleted stays, and only costs an empty lookup.
Triggers keep it current on every write path: once per INSERT statement (COPY and bulk
inserts included, with the statement's new rows) and per row when a chunk's text changes.
"""

# ruff: noqa: S608 -- the interpolated SQL is a table name.

from django.db import migrations

TABLE = "videos_transcriptchunk"

# Its own constant: migration 0016 puts this version back when it is reversed.
EXPAND_PREFIXES = """
CREATE OR REPLACE FUNCTION videos_expand_prefixes(q tsquery, max_lexemes integer) RETURNS tsquery
LANGUAGE plpgsql STABLE AS $$
DECLARE
  result text := q::text;
  prefix text;
  upper_bound text;
  lexemes text[];
BEGIN
  -- A prefix operand prints as 'lexeme':* (weights would follow the star; chunks have none).
  FOR prefix IN
    SELECT DISTINCT replace(m[1], '''''', '''')
    FROM regexp_matches(result, '''((?:[^'']|'''')+)'':\\*(?![A-D])', 'g') AS m
  LOOP
    -- The lexemes that start with the prefix: a range of the C-collated primary key.
    upper_bound := left(prefix, -1) || chr(ascii(right(prefix, 1)) + 1);
    SELECT array_agg(quote_literal(lexeme) ORDER BY lexeme) INTO lexemes FROM (
      SELECT lexeme FROM videos_chunklexeme
      WHERE lexeme >= prefix AND lexeme < upper_bound
      ORDER BY lexeme LIMIT max_lexemes + 1) found;
    IF lexemes IS NOT NULL AND cardinality(lexemes) <= max_lexemes THEN
      result := replace(result, quote_literal(prefix) || ':*',
                        '( ' || array_to_string(lexemes, ' | ') || ' )');
    END IF;
  END LOOP;
  RETURN result::tsquery;
END $$;
"""

FORWARD = f"""
CREATE TABLE videos_chunklexeme (lexeme text COLLATE "C" PRIMARY KEY);

CREATE FUNCTION videos_collect_chunk_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO videos_chunklexeme (lexeme)
  SELECT DISTINCT l FROM new_chunks, unnest(tsvector_to_array(new_chunks.search_vector)) l
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION videos_collect_chunk_lexemes_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO videos_chunklexeme (lexeme)
  SELECT l FROM unnest(tsvector_to_array(NEW.search_vector)) l
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER videos_chunk_lexemes AFTER INSERT ON {TABLE}
REFERENCING NEW TABLE AS new_chunks
FOR EACH STATEMENT EXECUTE FUNCTION videos_collect_chunk_lexemes();

-- Transition tables cannot go with a column list, and a re-tier updates every chunk: the
-- rare text edit is collected row by row instead.
CREATE TRIGGER videos_chunk_lexemes_text AFTER UPDATE OF text ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION videos_collect_chunk_lexemes_row();
{EXPAND_PREFIXES}
INSERT INTO videos_chunklexeme (lexeme)
SELECT DISTINCT l FROM {TABLE}, unnest(tsvector_to_array(search_vector)) l
ON CONFLICT DO NOTHING;
"""

BACKWARD = f"""
DROP FUNCTION IF EXISTS videos_expand_prefixes(tsquery, integer);
DROP TRIGGER IF EXISTS videos_chunk_lexemes ON {TABLE};
DROP TRIGGER IF EXISTS videos_chunk_lexemes_text ON {TABLE};
DROP FUNCTION IF EXISTS videos_collect_chunk_lexemes();
DROP FUNCTION IF EXISTS videos_collect_chunk_lexemes_row();
DROP TABLE IF EXISTS videos_chunklexeme;
"""


class Migration(migrations.Migration):
    dependencies = [("videos", "0012_video_channel_newest")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
