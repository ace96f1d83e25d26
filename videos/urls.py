from django.urls import path

from videos import views

app_name = "videos"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("videos/<str:youtube_id>/", views.video_page, name="video"),
    path("videos/<str:youtube_id>/moments/", views.video_moments, name="moments"),
    path(
        "videos/<str:youtube_id>/transcript.<str:ext>",
        views.video_transcript,
        name="transcript",
    ),
]
