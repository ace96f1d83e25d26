from django.urls import path

from indexing.api import views

urlpatterns = [
    path("jobs/", views.JobListApi.as_view(), name="job-list-api"),
    path("jobs/<int:pk>/", views.JobDetailApi.as_view(), name="job-detail-api"),
    path("jobs/<int:pk>/cancel/", views.JobCancelApi.as_view(), name="job-cancel-api"),
    path("jobs/<int:pk>/retry-failed/", views.JobRetryFailedApi.as_view(), name="job-retry-api"),
]
