from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health, views

# The browsable API's "Log in" and "Log out" links (DRF looks them up by these names): the
# site's sign-in page (Google included) and its sign-out, each back to the API page after.
api_auth_patterns = (
    [
        path(
            "login/",
            RedirectView.as_view(pattern_name="accounts:login", query_string=True),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

api_patterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("auth/", include(api_auth_patterns)),
    path("", include("videos.api.urls")),
    path("", include("videos.api.search_urls")),
    path("", include("playlists.api.urls")),
    path("", include("indexing.api.urls")),
    path("", include("media.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # For the pages that do not link to it (admin, the browsable API) and for other tools.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("playlists.urls")),
    path("", include("indexing.urls")),
    path("", include("media.urls")),
    path("", include("videos.urls")),
]

handler404 = "config.views.not_found"
