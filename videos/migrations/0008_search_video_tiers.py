"""Video metadata read tier by tier, like the chunks: one partial GIN index per search tier.

The metadata match takes the first 1,000 videos whose title, tags or description match; from
one index over all videos, a word that 20,000 videos have ("cook", the correction of a typo)
built a 20,000-entry bitmap first (~2.5 ms). Per tier, in TIER_ORDER, the first tiers already
hold 1,000. Videos already carry their tier (migration 0005), so the indexes are complete as
built. The new indexes are created before the old one is dropped.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0007_search_peak_tier"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 0)),
                fields=["search_vector"],
                name="video_search_cold_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 1)),
                fields=["search_vector"],
                name="video_search_hot_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 2)),
                fields=["search_vector"],
                name="video_search_top_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 3)),
                fields=["search_vector"],
                name="video_search_warm_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 4)),
                fields=["search_vector"],
                name="video_search_peak_gin",
            ),
        ),
        migrations.RemoveIndex(
            model_name="video",
            name="video_search_gin",
        ),
    ]
