from django.urls import path

from playlists.api import views

urlpatterns = [
    path("playlists/", views.PlaylistListApi.as_view(), name="playlist-list-api"),
    path(
        "playlists/<str:playlist_id>/",
        views.PlaylistDetailApi.as_view(),
        name="playlist-detail-api",
    ),
]
