"""URLs of checkin on an organization's site: the scanner page and its JSON API."""

from django.urls import path

from operations.checkin import views

app_name = "checkin"
urlpatterns = [
    path("", views.scanner_page, name="scanner"),
    path("api/redeem", views.api_redeem, name="api_redeem"),
    path("api/sync", views.api_sync, name="api_sync"),
    path("api/token", views.api_token, name="api_token"),
    path("api/lists/<int:list_id>/", views.api_list, name="api_list"),
    path("api/lists/<int:list_id>/counts", views.api_counts, name="api_counts"),
    path("api/lists/<int:list_id>/search", views.api_search, name="api_search"),
]
