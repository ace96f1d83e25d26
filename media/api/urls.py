from django.urls import path

from media.api import views

urlpatterns = [
    path("audio/", views.AudioListApi.as_view(), name="audio-list-api"),
    path("audio/<int:pk>/", views.AudioDetailApi.as_view(), name="audio-detail-api"),
    path(
        "videos/<str:youtube_id>/audio/", views.AudioRequestApi.as_view(), name="audio-request-api"
    ),
]
