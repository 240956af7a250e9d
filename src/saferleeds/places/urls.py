"""The map page and its GeoJSON layers."""

from django.urls import path

from saferleeds.places import views

app_name = "places"

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/layers/<slug:name>.geojson", views.map_layer, name="map_layer"),
]
