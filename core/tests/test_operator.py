"""Operator commands speak one language, the operator's (English unless their locale is one of
ours); studio names are unique the Turkish way; no axes banner on every command."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import Studio
from core.errors import Invalid
from core.operator import operator_language

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "tr_TR.UTF-8"}, "tr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "tr_TR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "tr_TR.UTF-8", "LANG": "en_GB.UTF-8"}, "tr"),
    ],
)
def test_the_operators_language_comes_from_the_locale_english_when_unset(environ, language):
    assert operator_language(environ) == language


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("locale", "refusal"),
    [
        ("C.UTF-8", "name: A studio with this name already exists."),
        ("tr_TR.UTF-8", "name: Bu adla bir stüdyo zaten var."),
    ],
)
def test_create_studio_refuses_a_duplicate_in_the_operators_language_only(monkeypatch, locale, refusal):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", locale)
    call_command(
        "create_studio", "--name", "Şişli Pilates", "--address", "Şişli", "--no-input", stdout=io.StringIO()
    )

    with pytest.raises(CommandError) as refused:
        call_command("create_studio", "--name", "Şişli Pilates", "--address", "x", "--no-input")

    assert str(refused.value) == refusal


@pytest.mark.django_db
@pytest.mark.parametrize("twin", ["ŞİŞLİ PİLATES", "şişli pilates", "ŞIŞLI PILATES"])
def test_a_studio_name_in_another_turkish_case_is_the_same_studio(twin):
    services.studio_create(name="Şişli Pilates", address="Şişli")

    with pytest.raises(Invalid) as refused:
        services.studio_create(name=twin, address="Şişli")

    assert set(refused.value.fields) == {"name"}
    assert Studio.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_turkish_case_twin_even_past_the_service():
    Studio.objects.create(name="Işık Yoga", address="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        Studio.objects.create(name="IŞIK YOGA", address="y")


@pytest.mark.django_db
def test_different_names_are_still_different_studios():
    services.studio_create(name="Moda Pilates", address="x")
    services.studio_create(name="Moda Yoga", address="x")

    assert Studio.objects.count() == 2


@pytest.mark.django_db
def test_create_manager_finds_the_studio_typed_in_another_case(monkeypatch):
    services.studio_create(name="Şişli Pilates", address="Şişli")
    monkeypatch.setenv("MANAGER_PW", "Stüdyo-yönetici-42")
    out = io.StringIO()

    call_command(
        "create_manager",
        "--email",
        "m@sisli.example",
        "--full-name",
        "Mert Yönetici",
        "--studio",
        "ŞİŞLİ PİLATES",
        "--password-env",
        "MANAGER_PW",
        "--no-input",
        stdout=out,
    )

    assert "Şişli Pilates" in out.getvalue()


def test_no_axes_banner_is_logged_when_a_command_starts():
    # a fresh process, as an operator runs it
    finished = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", "LANG": "C.UTF-8"},
        check=True,
        timeout=120,
    )

    assert "AXES: BEGIN" not in finished.stdout + finished.stderr


@pytest.mark.django_db
def test_the_admin_refuses_a_turkish_case_twin_too(admin_client):
    services.studio_create(name="Şişli Pilates", address="Şişli")

    response = admin_client.post(
        "/admin/accounts/studio/add/",
        {"name": "ŞİŞLİ PİLATES", "address": "Şişli", "timezone": "Europe/Istanbul"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "A studio with this name already exists." in response.content.decode()
    assert Studio.objects.count() == 1
