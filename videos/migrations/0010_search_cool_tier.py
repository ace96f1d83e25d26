"""A sixth search tier, cool, between warm and cold; with it the shares grow ~3x a tier
(videos.search.tiers: 0.5, 1.5, 4.5, 13.5 and 40.5 % of videos by views, then cold).

Its indexes start empty: the next re-tier (daily task, or `manage.py rebuild_search_index
--tiers-only`) moves videos and chunks to the new shares.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0009_search_word_pairs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transcriptchunk",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[
                    (0, "Cold"),
                    (1, "Hot"),
                    (2, "Top"),
                    (3, "Warm"),
                    (4, "Peak"),
                    (5, "Cool"),
                ],
                default=None,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="video",
            name="search_tier",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Cold"),
                    (1, "Hot"),
                    (2, "Top"),
                    (3, "Warm"),
                    (4, "Peak"),
                    (5, "Cool"),
                ],
                db_default=0,
                default=0,
            ),
        ),
        migrations.AddIndex(
            model_name="transcriptchunk",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 5)),
                fields=["search_vector"],
                name="chunk_search_cool_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="transcriptchunk",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 5)),
                fields=["pair_vector"],
                name="chunk_pairs_cool_gin",
            ),
        ),
        migrations.AddIndex(
            model_name="video",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_tier", 5)),
                fields=["search_vector"],
                name="video_search_cool_gin",
            ),
        ),
    ]
