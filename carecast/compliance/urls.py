from django.urls import path

from carecast.compliance import views

app_name = "compliance"
urlpatterns = [
    path("workflows/", views.workflows, name="workflows"),
    path("authorizations/", views.authorizations, name="authorizations"),
    path("authorizations/<int:pk>/revoke/", views.authorization_revoke, name="authorization_revoke"),
    path("takedowns/<int:pk>/done/", views.takedown_done, name="takedown_done"),
    path("stories/<int:item_id>/link/", views.story_link, name="story_link"),
    path("policies/", views.policies, name="policies"),
    path("fast-track/", views.fast_track, name="fast_track"),
]
