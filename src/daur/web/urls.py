"""Routes of the web application."""

from django.contrib.auth import views as auth_views
from django.urls import path

from daur.web import duplicates, views
from daur.web.auth import LoginForm

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("model/", views.models, name="model"),
    path("customers/", views.customers, name="customers"),
    path("customers/export.csv", views.customers_export, name="customers_export"),
    path("customers/duplicates/", duplicates.duplicates, name="duplicates"),
    path("customers/duplicates/merge/", duplicates.duplicates_merge, name="duplicates_merge"),
    path("customers/merges/<int:merge_id>/undo/", duplicates.merge_undo, name="merge_undo"),
    path("leads/<int:lead_id>/convert/", duplicates.lead_convert_page, name="lead_convert"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path(
        "customers/<int:customer_id>/timeline/",
        views.customer_timeline_more,
        name="customer_timeline",
    ),
]

auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/auth/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
