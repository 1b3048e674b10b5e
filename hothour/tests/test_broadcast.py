"""Broadcast batching: frames for one group travel together, in the order they were submitted."""

from hothour.broadcast import merge_by_group


def message(group: str, *texts: str) -> tuple[str, dict]:
    return group, {"type": "broadcast", "group": group, "texts": list(texts)}


def test_frames_for_one_group_become_one_message_in_submission_order():
    # given: a grab's public change, then its two frames for the customer, then a second change
    submitted = [
        message("auctions", "sold 7"),
        message("user.3", "booking_confirmed"),
        message("user.3", "notification_created"),
        message("auctions", "sold 8"),
    ]

    # when
    merged = merge_by_group(submitted)

    # then
    assert merged == [
        message("auctions", "sold 7", "sold 8"),
        message("user.3", "booking_confirmed", "notification_created"),
    ]
    assert submitted[0] == message("auctions", "sold 7")  # the submitted messages are left as they were
