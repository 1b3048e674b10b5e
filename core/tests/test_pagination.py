"""core.api.pagination: the same pages and errors as before, with `COUNT(*)` only for a full page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import StudioFactory

pytestmark = pytest.mark.django_db

STUDIOS = "/api/v1/studios/"


def _get(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STUDIOS, params)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    return response, len(queries.captured_queries), len(counts)


def test_a_page_that_comes_back_short_needs_no_count(api_client):
    StudioFactory.create_batch(3)

    response, queries, counts = _get(api_client)

    assert response.status_code == 200
    assert (response.data["count"], response.data["next"], response.data["previous"]) == (3, None, None)
    assert len(response.data["results"]) == 3
    assert (queries, counts) == (1, 0)


def test_the_last_short_page_knows_the_total_and_links_back(api_client):
    StudioFactory.create_batch(5)

    response, _, counts = _get(api_client, page=3, page_size=2)

    assert response.data["count"] == 5
    assert response.data["next"] is None
    assert "page=2" in response.data["previous"]
    assert len(response.data["results"]) == 1
    assert counts == 0


def test_a_full_page_counts_and_links_on(api_client):
    StudioFactory.create_batch(5)

    response, _, counts = _get(api_client, page=1, page_size=2)

    assert response.data["count"] == 5
    assert "page=2" in response.data["next"]
    assert [s["id"] for s in response.data["results"]] == sorted(s["id"] for s in response.data["results"])
    assert counts == 1


def test_an_exactly_full_last_page_has_no_next(api_client):
    StudioFactory.create_batch(4)

    response, _, _ = _get(api_client, page=2, page_size=2)

    assert (response.data["count"], response.data["next"]) == (4, None)
    assert len(response.data["results"]) == 2


def test_an_empty_list_is_one_empty_page(api_client):
    response, _, counts = _get(api_client)

    assert response.status_code == 200
    assert (response.data["count"], response.data["results"]) == (0, [])
    assert counts == 0


@pytest.mark.parametrize("page", ["4", "0", "-1", "x", "1.5"])
def test_pages_that_do_not_exist_are_404_not_found(api_client, page):
    StudioFactory.create_batch(5)

    response, _, _ = _get(api_client, page=page, page_size=2)

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_the_last_page_by_name(api_client):
    StudioFactory.create_batch(5)

    response, _, _ = _get(api_client, page="last", page_size=2)

    assert response.status_code == 200
    assert len(response.data["results"]) == 1
