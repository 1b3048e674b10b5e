"""The caller's own profile (read and edit) and the public studio pages."""

from datetime import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import CustomerFactory, StudioFactory
from conftest import authenticate

ME = reverse("auth-me")
STUDIOS = reverse("studio-list")


@pytest.mark.django_db
def test_me_requires_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" in response.headers


@pytest.mark.django_db
def test_me_returns_the_callers_own_profile(customer, customer_client):
    # given: someone else exists too
    CustomerFactory.create()

    # when
    response = customer_client.get(ME)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": customer.pk,
        "email": customer.email,
        "full_name": customer.full_name,
        "phone": customer.phone,
        "gender": customer.gender,
        "is_verified": True,
        "is_staff": False,
        "studio": None,
        "language": "tr",
        "no_show_strikes": 0,
        "booking_suspended_until": None,
        "calendar_feed_url": f"http://testserver/api/v1/calendar/{customer.calendar_token}/hothour.ics",
        "date_joined": response.json()["date_joined"],
    }
    assert datetime.fromisoformat(response.json()["date_joined"]).utcoffset() is not None


@pytest.mark.django_db
def test_me_of_a_manager_names_their_studio(api_client, manager, studio):
    response = authenticate(api_client, manager).get(ME)

    assert response.status_code == 200
    assert response.json()["is_staff"] is True
    assert response.json()["studio"] == {"id": studio.pk, "name": studio.name}


@pytest.mark.django_db
def test_patch_me_updates_and_normalizes_name_and_phone(customer, customer_client):
    # when
    response = customer_client.patch(
        ME, {"full_name": "  Can   Öztürk ", "phone": "0532 000 00 01"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["full_name"] == "Can Öztürk"
    assert response.json()["phone"] == "+905320000001"
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Can Öztürk", "+905320000001")


@pytest.mark.django_db
def test_patch_me_with_only_one_field_leaves_the_others(customer, customer_client):
    # given
    phone_before = customer.phone

    # when
    response = customer_client.patch(ME, {"full_name": "Can Öztürk"}, format="json")

    # then
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.full_name == "Can Öztürk"
    assert customer.phone == phone_before


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [{"gender": "MALE"}, {"gender": "MALE", "full_name": "Can Öztürk"}])
def test_patch_me_cannot_change_gender(customer, customer_client, changes):
    # given a woman, who could book a women-only class, switch and switch back
    before = User.objects.values("full_name", "gender").get(pk=customer.pk)

    # when
    response = customer_client.patch(ME, changes, format="json")

    # then the whole change is refused
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "gender" in response.json()["fields"]
    assert User.objects.values("full_name", "gender").get(pk=customer.pk) == before


@pytest.mark.django_db
def test_patch_me_keeping_own_phone_in_another_format_is_accepted(api_client):
    # given
    user = CustomerFactory.create(phone="+905551112233")
    client = authenticate(api_client, user)

    # when
    response = client.patch(ME, {"phone": "0555 111 22 33"}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["phone"] == "+905551112233"


@pytest.mark.django_db
def test_patch_me_to_another_users_phone_is_refused(customer, customer_client):
    # given
    CustomerFactory.create(phone="+905551112233")
    phone_before = customer.phone

    # when
    response = customer_client.patch(ME, {"phone": "0555 111 22 33"}, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "phone" in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.phone == phone_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"phone": "12"}, "phone", id="bad-phone"),
        pytest.param({"gender": "OTHER"}, "gender", id="unknown-gender"),
        pytest.param({"full_name": "   "}, "full_name", id="blank-name"),
    ],
)
def test_patch_me_with_bad_input_is_refused_and_changes_nothing(customer, customer_client, changes, field):
    # given
    before = User.objects.values("full_name", "phone", "gender").get(pk=customer.pk)

    # when
    response = customer_client.patch(ME, changes, format="json")

    # then
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert User.objects.values("full_name", "phone", "gender").get(pk=customer.pk) == before


@pytest.mark.django_db
def test_patch_me_cannot_change_email_verification_staff_or_studio(api_client, studio):
    # given
    user = CustomerFactory.create(email="ayse@example.com", is_verified=False)
    client = authenticate(api_client, user)

    # when
    response = client.patch(
        ME,
        {
            "email": "boss@example.com",
            "is_verified": True,
            "is_staff": True,
            "is_superuser": True,
            "studio": studio.pk,
            "full_name": "Ayşe Kaya",
        },
        format="json",
    )

    # then
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ayşe Kaya"
    user.refresh_from_db()
    assert user.email == "ayse@example.com"
    assert user.is_verified is False
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.studio_id is None


@pytest.mark.django_db
def test_patch_me_requires_authentication(api_client):
    response = api_client.patch(ME, {"full_name": "Nobody"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_studio_list_is_public_paginated_and_ordered_by_name(api_client):
    # given
    for name in ("Zeybek Dans", "Ashtanga Evi", "Moda Pilates"):
        StudioFactory.create(name=name)

    # when
    first = api_client.get(STUDIOS, {"page_size": 2})

    # then
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert body["previous"] is None
    assert body["next"] is not None
    assert [studio["name"] for studio in body["results"]] == ["Ashtanga Evi", "Moda Pilates"]

    second = api_client.get(body["next"])
    assert second.status_code == 200
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None
    assert [studio["name"] for studio in second.json()["results"]] == ["Zeybek Dans"]


@pytest.mark.django_db
def test_studio_list_shows_no_manager_or_user_data(api_client, manager):
    response = api_client.get(STUDIOS)

    assert response.status_code == 200
    assert set(response.json()["results"][0]) == {"id", "name", "address", "maps_url", "logo_url", "timezone"}
    assert manager.email not in response.content.decode()


@pytest.mark.django_db
def test_studio_detail_is_public(api_client, studio):
    response = api_client.get(reverse("studio-detail", args=[studio.pk]))

    assert response.status_code == 200
    assert response.json() == {
        "id": studio.pk,
        "name": studio.name,
        "address": studio.address,
        "maps_url": studio.maps_url,
        "logo_url": studio.logo_url,
        "timezone": studio.timezone,
    }


@pytest.mark.django_db
def test_unknown_studio_is_not_found(api_client, studio):
    response = api_client.get(reverse("studio-detail", args=[studio.pk + 1000]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"]
