from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Our own user model from the first migration; the Google identity lives in playlists."""

    class Meta:
        db_table = "accounts_user"
