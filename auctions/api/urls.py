from django.urls import path

from . import views

urlpatterns = [
    path("auctions/", views.AuctionListView.as_view(), name="auction-list"),
    path("auctions/<int:pk>/", views.AuctionDetailView.as_view(), name="auction-detail"),
]
