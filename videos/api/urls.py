from django.urls import path

from videos.api import views

urlpatterns = [
    path("videos/", views.VideoListApi.as_view(), name="video-list"),
    path("videos/<str:youtube_id>/", views.VideoDetailApi.as_view(), name="video-detail"),
    path(
        "videos/<str:youtube_id>/transcript/",
        views.VideoTranscriptApi.as_view(),
        name="video-transcript",
    ),
]
