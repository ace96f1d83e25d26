from django.contrib.auth.models import AbstractUser
from rest_framework.authtoken.models import TokenProxy

from config.crypto import mask


class User(AbstractUser):
    """Our own user model from the first migration; the Google identity lives in playlists."""

    class Meta:
        db_table = "accounts_user"


class ApiToken(TokenProxy):
    """DRF's token as the admin shows it. The admin names an object by `str()` on its change,
    delete and history pages, in its messages and in the log of changes it keeps (and lists
    under Recent actions); DRF's `Token.__str__` is the key itself, so each of those showed,
    and the log kept, a working key."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return mask(self.key)
