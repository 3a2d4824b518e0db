"""Issue 9 points 3 and 4: every callback query is answered, forged or stale data gets
"That button has expired.", over-long input gets one sentence, and long replies are split
into parts that are each valid HTML (the fake Bot API checks every call; the `baton`
fixture fails a test that sent invalid HTML)."""
from __future__ import annotations

import html
import re

import pytest

from handlers.chat_events import EXPIRED
from handlers.replies import esc, split_message
from storage.projects import MAX_NAME_CHARS
from tests.fake_bot_api import html_problem
from tests.harness import STRANGER_ID, Harness, texts

STALE = ["use:²", "use:" + "9" * 60, "use:-1", "use:", "use:99999", "use:1 OR 1=1",
         "zzz:1", "", "imp"]


def answers(calls: list) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


@pytest.mark.parametrize("data", STALE)
async def test_forged_or_stale_buttons_have_expired(baton: Harness, data: str) -> None:
    await baton.send("/newproject Alpha")
    [answer] = answers(await baton.press(data))
    assert answer.startswith(EXPIRED[:-1])
    [reply] = texts(await baton.send("/use alpha"))  # the bot carries on
    assert "is now the active project" in reply


async def test_a_stranger_is_answered_on_every_press(baton: Harness) -> None:
    for _ in range(3):  # the chat refusal is once an hour, the button answer every time
        [answer] = answers(await baton.press("use:1", user_id=STRANGER_ID, chat_id=STRANGER_ID))
        assert "private" in answer


async def test_use_with_a_huge_name_of_tags_gets_one_sentence(baton: Harness) -> None:
    name = "<b>" * 1333  # the 4,000-character name; escaped it is 12,000
    [answer] = texts(await baton.send(f"/use {name}"))
    assert answer == (f"No project has a name that long (at most {MAX_NAME_CHARS} characters); "
                      "/projects lists them.")
    [bare] = texts(await baton.send(f"/use {'x' * (MAX_NAME_CHARS + 1)}"))
    assert "that long" in bare


async def test_a_huge_unknown_command_is_answered_briefly(baton: Harness) -> None:
    [answer] = texts(await baton.send("/" + "<b>" * 1333))
    assert answer.startswith("I don't know /&lt;b&gt;") and len(answer) < 300


async def test_a_long_listing_is_split_into_valid_parts_with_buttons_last(baton: Harness) -> None:
    for number in range(45):
        name = f"{number:02} " + "<b>&" * 15  # 63 characters, escaped to 213
        [created] = texts(await baton.send(f"/newproject {name}"))
        assert created.startswith("Created")
    calls = [c for c in await baton.send("/projects") if c.method == "sendMessage"]
    assert len(calls) > 1 and all(len(c.text) <= 4096 for c in calls)
    assert all("reply_markup" not in c.params for c in calls[:-1])
    buttons = calls[-1].params["reply_markup"]["inline_keyboard"]
    assert len(buttons) == 20
    listed = "\n".join(c.text for c in calls)
    assert all(f"<b>{number:02} " in listed for number in range(45))
    # switching from that keyboard edits the message into something that fits
    calls = await baton.press(buttons[0][0]["callback_data"])
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "is now the active project" in edited.text and len(edited.text) <= 4096


def visible(part: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", part))


def test_split_never_cuts_a_tag_or_an_entity_and_reopens_tags() -> None:
    text = "No project called <b>" + esc("<b>" * 1333) + "</b> in this chat."
    parts = split_message(text)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert [html_problem(p) for p in parts] == [None, None, None]
    assert parts[0].endswith("</b>") and parts[1].startswith("<b>&lt;")
    assert "".join(visible(p) for p in parts) == visible(text)


@pytest.mark.parametrize("limit", [50, 64, 101, 250])  # above the longest tag + closers
def test_split_keeps_every_part_valid_at_any_limit(limit: int) -> None:
    text = ('<b>bold &amp; <i>both</i></b> plain &lt;x&gt;\n<pre><code class="language-py">'
            'x = 1 &lt; 2\ny = "&amp;&amp;"\n</code></pre>\n<a href="https://e.x/?a=1&amp;b=2">'
            'a link with &quot;quotes&quot;</a> and some more words at the end') * 3
    parts = split_message(text, limit)
    for part in parts:
        assert html_problem(part) is None, part
        assert len(part) <= limit, part
    assert "".join(visible(p) for p in parts).replace("\n", "") == visible(text).replace("\n", "")
