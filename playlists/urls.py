from django.urls import path

from playlists import views

app_name = "playlists"

urlpatterns = [
    path("auth/google/start/", views.google_start, name="google-start"),
    path("auth/google/callback/", views.google_callback, name="google-callback"),
    path("auth/google/disconnect/", views.google_disconnect, name="google-disconnect"),
    path("playlists/", views.playlist_list, name="list"),
    path("playlists/add/", views.playlist_add, name="add"),
    path("playlists/index/", views.playlist_index, name="index"),
    path(
        "playlists/<int:pk>/keep-up-to-date/",
        views.playlist_keep_up_to_date,
        name="keep-up-to-date",
    ),
]
