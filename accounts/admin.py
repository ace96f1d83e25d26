from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ApiToken, User
from config.crypto import mask

admin.site.register(User, UserAdmin)


class MaskedTokenAdmin(TokenAdmin):
    """DRF's token admin listed every key in full; staff see them masked, like API keys."""

    list_display = ("masked_key", "user", "created")

    @admin.display(description="key")
    def masked_key(self, token) -> str:
        return mask(token.key)


# Registered as ApiToken, whose str() is masked: DRF's is the key (see ApiToken).
admin.site.unregister(TokenProxy)
admin.site.register(ApiToken, MaskedTokenAdmin)
