"""URLs of payments on an organization's site."""

from django.urls import path

from operations.payments import views

app_name = "payments"
urlpatterns = [
    path("webhook/<str:provider>/", views.webhook, name="webhook"),
]
