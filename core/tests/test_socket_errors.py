"""A socket's error events speak the client's language (`?lang=` or the handshake's Accept-Language),
like every other message; their codes never change."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from hothour.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


async def first_error(path: str, headers: list[tuple[bytes, bytes]], frame: str) -> dict:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_from(timeout=3)  # the snapshot
    await communicator.send_to(text_data=frame)
    message = json.loads(await communicator.receive_from(timeout=3))
    await communicator.disconnect()
    assert message["event"] == "error"
    return message["data"]


@pytest.mark.parametrize(
    ("path", "headers", "detail"),
    [
        ("/ws/auctions/", [], "JSON metin çerçeveleri gönderin."),
        ("/ws/auctions/", [(b"accept-language", b"en-GB,en;q=0.9")], "Send JSON text frames."),
        ("/ws/auctions/?lang=en", [(b"accept-language", b"tr")], "Send JSON text frames."),
    ],
)
async def test_an_invalid_frame_is_answered_in_the_clients_language(path, headers, detail):
    error = await first_error(path, headers, "not json")

    assert error == {"code": "invalid_json", "detail": detail}


async def test_an_oversized_frame_names_the_limit_in_turkish_by_default():
    error = await first_error("/ws/auctions/", [], "x" * 5000)

    assert error["code"] == "frame_too_large"
    assert error["detail"] == "Çerçeveler en çok 4096 bayt olabilir."
