"""Search GIN indexes keep at most 1 MB of new entries in their pending list.

A GIN index adds new entries to a pending list, merged into the index when it passes
`gin_pending_list_limit` (4 MB by default) or at VACUUM, and every search reads the whole list
for its words. While videos are being indexed that made searches slower: with what 350 new
videos' chunks left pending, a rare word took 3.3 ms instead of 2.1 and a misspelt one 10.8
instead of 8.8. At 1 MB the inserting statements merge more often: 6.5 % more write time, and
a rare word pays 1.16x at most (docs/BENCHMARKS.md, "Search during indexing",
bench/search_live.py).

A storage parameter only: ALTER INDEX … SET changes no row and rebuilds nothing. The model
state is told the same (the indexes' `gin_pending_list_limit`) without recreating them.
"""

# ruff: noqa: S608 -- the interpolated SQL is index names and a constant.

from importlib import import_module

import django.contrib.postgres.indexes
from django.db import migrations, models

PENDING_KB = 1024
TIERS = import_module("videos.migrations.0017_chunk_filter_lexemes").TIER_VALUES

# (model, index name, fields, tier or None)
INDEXES = [
    *(
        ("video", f"video_search_{label}_gin", ["search_vector", "group_vector"], value)
        for label, value in TIERS.items()
    ),
    ("video", "video_groups_gin", ["topic_ids", "playlist_ids"], None),
    *(
        ("transcriptchunk", f"chunk_search_{label}_gin", ["search_vector", "filter_vector"], value)
        for label, value in TIERS.items()
    ),
    *(
        ("transcriptchunk", f"chunk_pairs_{label}_gin", ["pair_vector"], value)
        for label, value in TIERS.items()
    ),
]
# The pg_trgm indexes, created only where the extension is (migrations 0002 and 0003), outside
# the model state.
TRIGRAM_INDEXES = ["video_title_trgm", "searchterm_trgm", "channel_title_trgm"]


def _index(name: str, fields: list[str], tier: int | None, limit: int | None):
    return django.contrib.postgres.indexes.GinIndex(
        fields=fields,
        name=name,
        condition=models.Q(("search_tier", tier)) if tier is not None else None,
        gin_pending_list_limit=limit,
    )


def _alter(setting: str) -> str:
    names = [name for _model, name, _fields, _tier in INDEXES] + TRIGRAM_INDEXES
    listed = ", ".join(f"'{name}'" for name in names)
    return f"""
DO $$
DECLARE name text;
BEGIN
  FOR name IN SELECT c.relname FROM pg_class c
              WHERE c.relkind = 'i' AND c.relname IN ({listed}) LOOP
    EXECUTE format('ALTER INDEX %I {setting}', name);
  END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("videos", "0018_chunk_group_lexemes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    _alter(f"SET (gin_pending_list_limit = {PENDING_KB})"),
                    _alter("RESET (gin_pending_list_limit)"),
                )
            ],
            state_operations=[
                operation
                for model, name, fields, tier in INDEXES
                for operation in (
                    migrations.RemoveIndex(model_name=model, name=name),
                    migrations.AddIndex(
                        model_name=model, index=_index(name, fields, tier, PENDING_KB)
                    ),
                )
            ],
        )
    ]
