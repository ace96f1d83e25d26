"""A fifth search tier, peak (the most viewed 0.5 % of videos), read before top
(videos.models.TIER_ORDER).

A filler word said in a quarter of all chunks found its first 1,000 matches in the top tier's
bitmap of ~5,700 entries (~1 ms); the peak tier holds them in a third of that. Its index
starts empty: the next re-tier (daily task, or `manage.py rebuild_search_index --tiers-only`)
moves the peak videos' chunks out of the top tier (a third of the top tier's rows).
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0006_search_warm_tier"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transcriptchunk",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(0, "Cold"), (1, "Hot"), (2, "Top"), (3, "Warm"), (4, "Peak")],
                default=None,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="video",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Cold"), (1, "Hot"), (2, "Top"), (3, "Warm"), (4, "Peak")],
                db_default=0,
                default=0,
            ),
        ),
        migrations.AddIndex(
            model_name="transcriptchunk",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 4)),
                fields=["search_vector"],
                name="chunk_search_peak_gin",
            ),
        ),
    ]
