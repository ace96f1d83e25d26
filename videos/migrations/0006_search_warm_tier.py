"""A fourth search tier, warm, read after hot and before cold (videos.models.TIER_ORDER).

Two ordinary words that the top and hot tiers say together a few hundred times used to build
the cold tier's whole GIN bitmap to find their last rows (~56 ms for "often never"); the warm
tier (videos ranked 12.5-37.5 % by views) holds them in a bitmap ~3x smaller. The index starts
empty: the next re-tier (daily task, or `manage.py rebuild_search_index --tiers-only`) moves
the warm videos' chunks, a one-time write of about a quarter of all chunks.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0005_search_tiers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transcriptchunk",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(0, "Cold"), (1, "Hot"), (2, "Top"), (3, "Warm")],
                default=None,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="video",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Cold"), (1, "Hot"), (2, "Top"), (3, "Warm")], db_default=0, default=0
            ),
        ),
        migrations.AddIndex(
            model_name="transcriptchunk",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 3)),
                fields=["search_vector"],
                name="chunk_search_warm_gin",
            ),
        ),
    ]
