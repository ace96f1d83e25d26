from django.urls import path

from videos.api import views

urlpatterns = [
    path("videos/", views.VideoListApi.as_view(), name="video-list"),
    path("videos/<str:youtube_id>/", views.VideoDetailApi.as_view(), name="video-detail"),
]
