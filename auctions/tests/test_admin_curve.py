"""The auction form explains itself: the curve drawn while typing, the draft's next step, and
confirmation before what cannot be undone."""

import json
import re

import pytest
from django.contrib import messages
from django.urls import reverse

from accounts.tests.admin_helpers import admin_url, messages_of
from auctions.models import Auction
from auctions.tests.factories import AuctionFactory, make_auction
from auctions.tests.test_admin import form_data

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:auctions_curve_preview")


def test_the_curve_is_drawn_from_the_unsaved_form_with_axes_floor_and_turbo(client_a):
    # 100 off every 15 minutes: the floor of 100 is reached an hour in, long before the close
    settings = form_data(drop_amount="100,00", drop_interval_mins="15")

    response = client_a.post(PREVIEW, settings, HTTP_ACCEPT_LANGUAGE="tr")

    assert response.status_code == 200
    answer = response.json()
    assert answer["complete"] is True
    html = answer["html"]
    assert html.count('class="axis"') == 2
    assert 'class="floor"' in html
    assert 'class="turbo"' in html
    assert "500,00\N{NO-BREAK SPACE}₺" in html
    assert "100,00\N{NO-BREAK SPACE}₺" in html
    assert "price-curve-warning" not in html
    assert not Auction.objects.exists()


def test_the_preview_warns_when_the_floor_is_not_reached_before_the_close(client_a):
    # 50 off every hour over two hours, no turbo: 500, then 450 an hour in, and the close
    response = client_a.post(PREVIEW, form_data(turbo_enabled=None), HTTP_ACCEPT_LANGUAGE="en")

    html = response.json()["html"]
    assert "price-curve-warning" in html
    assert "never reaches the floor of ₺100.00" in html
    assert "stops at ₺450.00" in html


def test_an_incomplete_form_says_what_the_curve_still_needs(client_a):
    response = client_a.post(PREVIEW, form_data(start_price="", end_time_0="", end_time_1=""))

    answer = response.json()
    assert answer["complete"] is False
    assert "price-curve-problems" in answer["html"]
    assert "<svg" not in answer["html"]


def test_the_preview_of_another_studios_auction_is_not_found(client_a, studios):
    theirs = AuctionFactory.create(studio=studios.b, draft=True)

    response = client_a.post(PREVIEW, {**form_data(), "_object_id": theirs.pk})

    assert response.status_code == 404


def test_the_add_page_holds_the_live_curve_and_its_script(client_a):
    page = client_a.get(admin_url(Auction, "add")).content.decode()

    assert f'data-preview-url="{PREVIEW}"' in page
    assert "core/curve.js" in page


def test_saving_a_draft_says_it_is_a_draft_and_how_to_publish(client_a):
    response = client_a.post(admin_url(Auction, "add"), form_data(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    warnings = [text for level, text in messages_of(response) if level == messages.WARNING]
    assert any("draft" in text and "Publish" in text for text in warnings)


def test_publish_and_turbo_buttons_ask_for_confirmation(client_a, studios):
    draft = make_auction(studio=studios.a, publish=False)
    running = AuctionFactory.create(studio=studios.a, turbo=True)

    draft_page = client_a.get(admin_url(Auction, "change", draft.pk)).content.decode()
    running_page = client_a.get(admin_url(Auction, "change", running.pk)).content.decode()

    publish_form = re.search(r"<form[^>]*auctions/auction/\d+/publish/[^>]*>", draft_page, re.S)
    turbo_form = re.search(r"<form[^>]*auctions/auction/\d+/turbo/[^>]*>", running_page, re.S)
    assert publish_form
    assert "data-confirm=" in publish_form.group(0)
    assert turbo_form
    assert "data-confirm=" in turbo_form.group(0)


def test_the_list_asks_before_irreversible_actions(client_a, studios):
    AuctionFactory.create(studio=studios.a)

    page = client_a.get(admin_url(Auction, "changelist")).content.decode()

    listed = re.search(r'<script id="hothour-confirm-actions" type="application/json">(.*?)</script>', page)
    assert listed
    assert set(json.loads(listed.group(1))) == {"publish", "cancel", "start_turbo"}
