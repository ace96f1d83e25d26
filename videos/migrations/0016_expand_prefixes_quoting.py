"""videos_expand_prefixes() writes each lexeme as tsquery text quotes it.

Migration 0013 quoted them with quote_literal(), which writes a lexeme holding a backslash as
E'...': the tsquery parser read that as another lexeme (the E and quotes in it), so a prefix standing
for such a lexeme silently did not match it. In tsquery text a quote inside a lexeme is doubled
and a backslash escaped with a backslash.
"""

from importlib import import_module

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION videos_tsquery_lexeme(lexeme text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''';

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
    SELECT DISTINCT replace(replace(m[1], '''''', ''''), '\\', '\')
    FROM regexp_matches(result, '''((?:[^''\\]|''''|\\.)+)'':\*(?![A-D])', 'g') AS m
  LOOP
    -- The lexemes that start with the prefix: a range of the C-collated primary key.
    upper_bound := left(prefix, -1) || chr(ascii(right(prefix, 1)) + 1);
    SELECT array_agg(videos_tsquery_lexeme(lexeme) ORDER BY lexeme) INTO lexemes FROM (
      SELECT lexeme FROM videos_chunklexeme
      WHERE lexeme >= prefix AND lexeme < upper_bound
      ORDER BY lexeme LIMIT max_lexemes + 1) found;
    IF lexemes IS NOT NULL AND cardinality(lexemes) <= max_lexemes THEN
      result := replace(result, videos_tsquery_lexeme(prefix) || ':*',
                        '( ' || array_to_string(lexemes, ' | ') || ' )');
    END IF;
  END LOOP;
  RETURN result::tsquery;
END $$;
"""

# Back to migration 0013's function.
BACKWARD = import_module("videos.migrations.0013_chunk_lexemes").EXPAND_PREFIXES + (
    "DROP FUNCTION IF EXISTS videos_tsquery_lexeme(text);"
)


class Migration(migrations.Migration):
    dependencies = [("videos", "0015_channel_title_knn")]

    operations = [migrations.RunSQL(FUNCTION, BACKWARD)]
