from django.urls import path

from media import views

app_name = "media"

urlpatterns = [
    path("audio/", views.audio_list, name="list"),
    path("videos/<str:youtube_id>/audio/", views.audio_request, name="request"),
    path("videos/<str:youtube_id>/audio/status/", views.audio_status, name="status"),
    path("audio/<int:pk>/download/", views.audio_download, name="download"),
]
