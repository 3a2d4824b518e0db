"""User text with HTML and MarkdownV2 specials never breaks a reply (checked by the fake API)."""
from __future__ import annotations

from tests.harness import Harness, texts, user_json

NASTY = "<b>&\"' _*[]()~`>#+-=|{}.! </i>"


async def test_every_reply_stays_valid_html(baton: Harness) -> None:
    await baton.send(f"/newproject {NASTY} | desc {NASTY}")
    [listing] = texts(await baton.send("/projects"))
    assert "&lt;b&gt;&amp;" in listing
    await baton.send(f"/startsession {NASTY}")
    await baton.send(NASTY)
    await baton.send(NASTY, forward_origin={"type": "user", "date": 1,
                                            "sender_user": user_json(9, NASTY, is_bot=True)})
    await baton.send(f"/note {NASTY}")
    await baton.send(f"/use {NASTY}x")
    await baton.send("/stats")
    calls = await baton.send(f"/complete {NASTY}")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.document is not None and doc.document[0].endswith("-handoff-s1.md")
    assert NASTY in doc.document[1]  # kept verbatim in the markdown
    await baton.send("/startsession")
    await baton.send("/handoff 1")
    # the fixture fails the test if any call carried invalid HTML
    assert not baton.api.errors


async def test_long_help_and_messages_split_under_limit() -> None:
    from handlers.replies import split_message

    text = "\n".join(f"line {i} " + "x" * 100 for i in range(200))
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == text
    assert [len(p) for p in split_message("y" * 9000)] == [4096, 4096, 808]
