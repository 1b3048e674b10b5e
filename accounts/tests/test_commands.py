"""Operator commands: create_studio, create_manager (flags and prompts) and the idempotent seed_demo."""

import io
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import CUSTOMERS, DEMO_PASSWORD
from accounts.models import Studio, User
from accounts.tests.factories import CustomerFactory, StudioFactory
from accounts.tests.utils import login

MANAGER_PASSWORD = "Stüdyo-yönetici-42"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def answer(monkeypatch) -> Callable[..., list[str]]:
    """Feed `input()` the given answers in order; return the prompts it was shown."""

    def feed(*answers: str) -> list[str]:
        remaining: Iterator[str] = iter(answers)
        prompts: list[str] = []

        def fake_input(prompt: str = "") -> str:
            prompts.append(prompt)
            return next(remaining)

        monkeypatch.setattr("builtins.input", fake_input)
        return prompts

    return feed


@pytest.fixture
def type_password(monkeypatch) -> Callable[..., None]:
    """Feed `getpass.getpass()` the given answers in order."""

    def feed(*answers: str) -> None:
        remaining = iter(answers)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(remaining))

    return feed


@pytest.mark.django_db
def test_create_studio_from_flags_creates_it():
    # when
    out = _run(
        "create_studio",
        "--name",
        "  Moda Pilates ",
        "--address",
        "Moda Cad. 1, Kadıköy",
        "--maps-url",
        "https://maps.example.com/moda",
        "--logo-url",
        "https://cdn.example.com/logo.png",
        "--timezone",
        "Europe/Istanbul",
        "--no-input",
    )

    # then
    studio = Studio.objects.get()
    assert studio.name == "Moda Pilates"
    assert studio.address == "Moda Cad. 1, Kadıköy"
    assert studio.maps_url == "https://maps.example.com/moda"
    assert studio.logo_url == "https://cdn.example.com/logo.png"
    assert studio.timezone == "Europe/Istanbul"
    assert f"#{studio.pk}" in out


@pytest.mark.django_db
def test_create_studio_with_a_name_taken_in_another_case_fails():
    # given
    StudioFactory.create(name="Moda Pilates")

    # when / then
    with pytest.raises(CommandError, match="name"):
        _run("create_studio", "--name", "MODA pilates", "--address", "Elsewhere 2", "--no-input")
    assert Studio.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("flag", "value", "field"),
    [
        pytest.param("--logo-url", "ftp://cdn.example.com/logo.png", "logo_url", id="ftp-logo"),
        pytest.param("--maps-url", "javascript:alert(1)", "maps_url", id="script-maps-url"),
        pytest.param("--timezone", "Mars/Olympus_Mons", "timezone", id="unknown-timezone"),
    ],
)
def test_create_studio_with_a_bad_value_fails_and_names_the_field(flag, value, field):
    with pytest.raises(CommandError, match=field):
        _run("create_studio", "--name", "Moda Pilates", "--address", "Moda Cad. 1", flag, value, "--no-input")
    assert not Studio.objects.exists()


@pytest.mark.django_db
def test_create_studio_without_input_fails_on_a_missing_field(answer):
    # given: prompting would be a bug, so any prompt fails the test
    prompts = answer()

    # when / then
    with pytest.raises(CommandError, match="--address"):
        _run("create_studio", "--name", "Moda Pilates", "--no-input")
    assert prompts == []
    assert not Studio.objects.exists()


@pytest.mark.django_db
def test_create_studio_asks_for_missing_fields(answer):
    # given
    prompts = answer("Moda Pilates", "Moda Cad. 1, Kadıköy")

    # when
    _run("create_studio", "--timezone", "Europe/Berlin")

    # then
    assert len(prompts) == 2
    studio = Studio.objects.get()
    assert (studio.name, studio.address, studio.timezone) == (
        "Moda Pilates",
        "Moda Cad. 1, Kadıköy",
        "Europe/Berlin",
    )


@pytest.mark.django_db
def test_create_manager_with_password_from_the_environment(monkeypatch, studio):
    # given
    monkeypatch.setenv("MANAGER_PASSWORD", MANAGER_PASSWORD)

    # when
    out = _run(
        "create_manager",
        "--email",
        "Elif@Example.com",
        "--full-name",
        "Elif Kaya",
        "--studio",
        str(studio.pk),
        "--password-env",
        "MANAGER_PASSWORD",
        "--no-input",
    )

    # then
    manager = User.objects.get(email="elif@example.com")
    assert manager.is_staff is True
    assert manager.is_superuser is False
    assert manager.is_verified is True
    assert manager.studio == studio
    assert manager.is_studio_manager
    assert manager.check_password(MANAGER_PASSWORD)
    assert "elif@example.com" in out


@pytest.mark.django_db
def test_create_manager_finds_the_studio_by_name_in_any_case(monkeypatch):
    # given
    studio = StudioFactory.create(name="Moda Pilates")
    monkeypatch.setenv("MANAGER_PASSWORD", MANAGER_PASSWORD)

    # when
    _run(
        "create_manager",
        "--email=elif@example.com",
        "--full-name=Elif Kaya",
        "--studio=moda PILATES",
        "--password-env=MANAGER_PASSWORD",
        "--no-input",
    )

    # then
    assert User.objects.get(email="elif@example.com").studio == studio


@pytest.mark.django_db
def test_create_manager_with_an_email_taken_in_another_case_fails(monkeypatch, studio):
    # given
    CustomerFactory.create(email="elif@example.com")
    monkeypatch.setenv("MANAGER_PASSWORD", MANAGER_PASSWORD)

    # when / then
    with pytest.raises(CommandError, match="email"):
        _run(
            "create_manager",
            "--email=ELIF@example.com",
            "--full-name=Elif Kaya",
            f"--studio={studio.pk}",
            "--password-env=MANAGER_PASSWORD",
            "--no-input",
        )
    assert User.objects.count() == 1
    assert not User.objects.filter(is_staff=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("studio_ref", ["999999", "No Such Studio"])
def test_create_manager_for_an_unknown_studio_fails(monkeypatch, studio, studio_ref):
    # given
    monkeypatch.setenv("MANAGER_PASSWORD", MANAGER_PASSWORD)

    # when / then
    with pytest.raises(CommandError, match="No studio"):
        _run(
            "create_manager",
            "--email=elif@example.com",
            "--full-name=Elif Kaya",
            f"--studio={studio_ref}",
            "--password-env=MANAGER_PASSWORD",
            "--no-input",
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_manager_with_an_empty_password_variable_fails(monkeypatch, studio):
    # given
    monkeypatch.delenv("MANAGER_PASSWORD", raising=False)

    # when / then
    with pytest.raises(CommandError, match="MANAGER_PASSWORD"):
        _run(
            "create_manager",
            "--email=elif@example.com",
            "--full-name=Elif Kaya",
            f"--studio={studio.pk}",
            "--password-env=MANAGER_PASSWORD",
            "--no-input",
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_manager_with_a_weak_password_fails(monkeypatch, studio):
    # given
    monkeypatch.setenv("MANAGER_PASSWORD", "12345678")

    # when / then
    with pytest.raises(CommandError, match="password"):
        _run(
            "create_manager",
            "--email=elif@example.com",
            "--full-name=Elif Kaya",
            f"--studio={studio.pk}",
            "--password-env=MANAGER_PASSWORD",
            "--no-input",
        )
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "missing"),
    [
        pytest.param(["--full-name=Elif Kaya", "--studio=1"], "--email", id="email"),
        pytest.param(["--email=elif@example.com", "--studio=1"], "--full-name", id="full-name"),
        pytest.param(["--email=elif@example.com", "--full-name=Elif Kaya"], "--studio", id="studio"),
    ],
)
def test_create_manager_without_input_fails_on_a_missing_field(monkeypatch, answer, args, missing):
    # given
    monkeypatch.setenv("MANAGER_PASSWORD", MANAGER_PASSWORD)
    prompts = answer()

    # when / then
    with pytest.raises(CommandError, match=missing):
        _run("create_manager", *args, "--password-env=MANAGER_PASSWORD", "--no-input")
    assert prompts == []
    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_manager_without_input_needs_a_password_variable(studio):
    with pytest.raises(CommandError, match="--password-env"):
        _run(
            "create_manager",
            "--email=elif@example.com",
            "--full-name=Elif Kaya",
            f"--studio={studio.pk}",
            "--no-input",
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_manager_asks_for_fields_and_a_hidden_password(studio, answer, type_password):
    # given
    prompts = answer("elif@example.com", "Elif Kaya", studio.name)
    type_password(MANAGER_PASSWORD, MANAGER_PASSWORD)

    # when
    _run("create_manager")

    # then
    assert len(prompts) == 3
    manager = User.objects.get(email="elif@example.com")
    assert manager.studio == studio
    assert manager.is_staff is True
    assert manager.check_password(MANAGER_PASSWORD)


@pytest.mark.django_db
def test_create_manager_refuses_two_different_typed_passwords(studio, answer, type_password):
    # given
    answer("elif@example.com", "Elif Kaya", str(studio.pk))
    type_password(MANAGER_PASSWORD, MANAGER_PASSWORD + "x")

    # when / then
    with pytest.raises(CommandError, match="differ"):
        _run("create_manager")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_twice_creates_the_same_rows(api_client):
    # given
    _run("seed_demo")
    counts = (User.objects.count(), Studio.objects.count())

    # when
    _run("seed_demo")

    # then
    assert (User.objects.count(), Studio.objects.count()) == counts == (2 + len(CUSTOMERS), 1)


@pytest.mark.django_db
def test_seed_demo_logins_work_through_the_login_endpoint(api_client):
    # given
    _run("seed_demo")
    _run("seed_demo")
    manager = User.objects.get(email="manager@hothour.demo")
    admin = User.objects.get(email="admin@hothour.demo")

    # when
    responses = {
        email: login(api_client, email, DEMO_PASSWORD)
        for email in ("admin@hothour.demo", "manager@hothour.demo", CUSTOMERS[0][0], CUSTOMERS[-1][0])
    }

    # then
    assert {email: response.status_code for email, response in responses.items()} == dict.fromkeys(
        responses, 200
    )
    assert manager.is_studio_manager
    assert manager.studio == Studio.objects.get()
    assert admin.is_superuser
    assert User.objects.filter(is_staff=False, is_verified=True).count() == len(CUSTOMERS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "expected"),
    [("tr_TR.UTF-8", "Tüm demo girişlerinin parolası"), ("", "All demo logins use the password")],
)
def test_seed_demo_speaks_the_operators_language(monkeypatch, lang, expected):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)

    printed = _run("seed_demo")

    assert expected in printed
