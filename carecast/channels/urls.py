from django.urls import path

from carecast.channels import public

app_name = "public"
urlpatterns = [
    path("<slug:brand_slug>/", public.brand_page, name="brand"),
    path("<slug:brand_slug>/feed.atom", public.BrandFeed(), name="feed"),
    path("<slug:brand_slug>/posts/<int:post_id>/", public.post_page, name="post"),
    path("<slug:brand_slug>/posts/<int:post_id>/image", public.post_image, name="post_image"),
]
