"""A newcomer's first minutes: `make run` prints no raw email and no static-files warning, the demo
speaks one language, `/api/v1/` says where to go, and the README's API section is complete."""

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from auctions.demo import SPECS

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_default_writes_emails_to_a_folder_and_warns_about_no_static_folder(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from whitenoise.middleware import WhiteNoiseMiddleware\n"
        "WhiteNoiseMiddleware(lambda request: None)\n"
        "print(settings.EMAIL_BACKEND)\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": "sqlite:///:memory:",
        "STATIC_ROOT": str(tmp_path / "never-collected"),
    }

    finished = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-W", "error::UserWarning", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "core.mail.FolderBackend"


def test_an_email_url_keeps_its_own_folder(tmp_path):
    """filemail:// names its folder in the URL; the embedded default's folder must not replace it."""
    script = (
        "import django; django.setup()\nfrom django.conf import settings\nprint(settings.EMAIL_FILE_PATH)\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "hothour.settings.base",
        "DATABASE_URL": "sqlite:///:memory:",
        "EMAIL_URL": f"filemail:///{tmp_path}",
    }

    finished = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert finished.stdout.strip() == str(tmp_path)


def test_the_folder_backend_writes_each_email_as_a_file_and_logs_one_line(settings, tmp_path, caplog):
    settings.EMAIL_BACKEND = "core.mail.FolderBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    messages = [
        mail.EmailMessage(f"Yeriniz {n}", "Merhaba", "from@hothour.local", [f"c{n}@example.com"])
        for n in range(3)
    ]

    with caplog.at_level(logging.INFO, logger="core.mail"):
        sent = mail.get_connection().send_messages(messages)

    assert sent == 3
    assert len(list(tmp_path.glob("*.eml"))) == 3
    assert len(caplog.records) == 3
    assert "MIME-Version" not in caplog.text
    assert "written to" in caplog.text


@pytest.mark.django_db
def test_the_api_root_links_to_the_docs_the_schema_and_health(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    assert response.json() == {
        "docs": f"http://testserver{reverse('docs')}",
        "schema": f"http://testserver{reverse('schema')}",
        "health": f"http://testserver{reverse('health')}",
    }


def test_the_readme_lists_every_endpoint_of_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    missing = [path for path in paths if f"{path}`" not in readme and f"{path}/`" not in readme]

    assert missing == []


ENGLISH = {
    "opens",
    "soon",
    "just",
    "opened",
    "near",
    "floor",
    "men",
    "only",
    "sold",
    "expired",
    "cancelled",
    "by",
}


def test_the_demo_titles_are_in_one_language():
    words = {word.lower() for spec in SPECS for word in re.findall(r"\w+", spec.title)}

    assert words & ENGLISH == set()
