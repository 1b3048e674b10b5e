"""Email in the embedded default: each message written to a folder as a .eml file, and one line
on the console saying so, instead of every raw MIME part printed over the server's log."""

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class FolderBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # noqa: DTZ005 - a file name on this machine
        for index, message in enumerate(email_messages):
            path = self.folder / f"{stamp}-{index}.eml"
            path.write_bytes(message.message().as_bytes())
            logger.info("email %r to %s written to %s", message.subject, ", ".join(message.to), path)
        return len(email_messages)
