"""Routes of the web application."""

from django.urls import path

from daur.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
