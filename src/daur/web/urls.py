"""Routes of the web application."""

from django.contrib.auth import views as auth_views
from django.urls import path

from daur.web import (
    acquisition,
    activities,
    activity,
    customer_edit,
    duplicates,
    leads,
    profile,
    resellers,
    segments,
    today,
    views,
)
from daur.web.auth import LoginForm

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("model/", views.models, name="model"),
    path("customers/", views.customers, name="customers"),
    path("customers/export.csv", views.customers_export, name="customers_export"),
    path("customers/new/", customer_edit.customer_new, name="customer_new"),
    path("customers/duplicates/", duplicates.duplicates, name="duplicates"),
    path("customers/duplicates/merge/", duplicates.duplicates_merge, name="duplicates_merge"),
    path("customers/merges/<int:merge_id>/undo/", duplicates.merge_undo, name="merge_undo"),
    path("leads/<int:lead_id>/convert/", duplicates.lead_convert_page, name="lead_convert"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("customers/<int:customer_id>/edit/", customer_edit.customer_edit, name="customer_edit"),
    path(
        "customers/<int:customer_id>/timeline/",
        views.customer_timeline_more,
        name="customer_timeline",
    ),
    path(
        "customers/<int:customer_id>/activities/",
        activities.customer_activity,
        name="customer_activity",
    ),
    path("activities/<int:activity_id>/done/", activities.activity_done, name="activity_done"),
    path("activity/", activity.activity_recap, name="activity"),
    path("activity/<int:user_id>/", activity.activity_rep, name="activity_rep"),
    path("leads/", leads.leads_board, name="leads"),
    path("leads/list/", leads.leads_list, name="lead_list"),
    path("leads/<int:lead_id>/", leads.lead_detail, name="lead"),
    path("leads/<int:lead_id>/stage/", leads.lead_stage, name="lead_stage"),
    path("leads/<int:lead_id>/activities/", activities.lead_activity, name="lead_activity"),
    path("acquisition/", acquisition.acquisition, name="acquisition"),
    path("resellers/", resellers.resellers, name="resellers"),
    path("segments/", segments.segments, name="segments"),
    path("segments/new/", segments.segment_new, name="segment_new"),
    path("segments/<int:segment_id>/", segments.segment_detail, name="segment"),
    path("today/", today.today, name="today"),
    path("today/mark/", today.today_mark, name="today_mark"),
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", profile.token_revoke_view, name="token_revoke"),
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
