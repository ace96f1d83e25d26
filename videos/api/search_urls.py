from django.urls import path

from videos.api.search import SearchApi

urlpatterns = [
    path("search/", SearchApi.as_view(), name="search-api"),
]
