"""URLs of exports on an organization's site."""

from django.urls import path

from operations.exports import views

app_name = "exports"
urlpatterns = [path("download/<str:token>/", views.export_download, name="download")]
