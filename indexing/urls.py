from django.urls import path

from indexing import views

app_name = "indexing"

urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/retry-failed/", views.job_retry_failed, name="job-retry-failed"),
    path("jobs/<int:pk>/reindex/", views.job_reindex, name="job-reindex"),
]
