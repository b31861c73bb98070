from django.urls import path

from carecast.web import planning, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar, name="calendar"),
    path("create/", views.create, name="create"),
    path("content/<int:item_id>/", views.item_detail, name="item"),
    path("content/<int:item_id>/image", views.item_image, name="item_image"),
    path("content/<int:item_id>/edit/", views.edit, name="edit"),
    path("content/<int:item_id>/submit/", views.submit, name="submit"),
    path("content/<int:item_id>/review/", views.review, name="review"),
    path("content/<int:item_id>/schedule/", views.schedule, name="schedule"),
    path("content/<int:item_id>/publish-now/", views.publish_now, name="publish_now"),
    path("content/<int:item_id>/fix/", views.apply_fix, name="apply_fix"),
    path("content/<int:item_id>/override/", views.override_checks, name="override_checks"),
    path("calendar/cadence/", views.cadence, name="cadence"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("campaigns/", planning.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", planning.campaign_detail, name="campaign"),
    path("calendar/feed/reset/", planning.calendar_feed_reset, name="calendar_feed_reset"),
    path("content/export.csv", planning.content_export, name="content_export"),
    path("content/import/", planning.content_import, name="content_import"),
    path("content/bulk/", views.bulk, name="bulk"),
    path("reviews/", views.reviews, name="reviews"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/crisis/", views.crisis, name="crisis"),
    path("settings/channels/", views.channel_connect, name="channel_connect"),
    path("settings/subscribers/", views.subscriber_add_view, name="subscriber_add"),
    path("settings/text-subscribers/", views.text_subscriber_add_view, name="text_subscriber_add"),
    path("settings/channels/<int:account_id>/reconnect/", views.channel_reconnect, name="channel_reconnect"),
    path("content/<int:item_id>/channels/", views.targets, name="targets"),
    path("content/<int:item_id>/retry/", views.retry, name="retry"),
    path("content/<int:item_id>/jobs/<int:job_id>/take-down/", views.take_down, name="take_down"),
    path("content/<int:item_id>/repeat/", views.repeat, name="repeat"),
    path("<slug:section>/", views.section, name="section"),
]
