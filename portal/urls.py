from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/suggest", views.suggest, name="suggest"),
    path("my-tickets/", views.my_tickets, name="my_tickets"),
]
