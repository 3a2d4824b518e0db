"""Point 3: projects — create, duplicates, bad names, list with buttons, switch, isolation."""
from __future__ import annotations

from tests.harness import FRIEND_ID, GROUP_CHAT, Harness, texts


async def test_newproject_creates_and_activates(baton: Harness) -> None:
    [reply] = texts(await baton.send("/newproject Shop API | FastAPI backend"))
    assert "Created <b>Shop API</b>" in reply
    [listing] = texts(await baton.send("/projects"))
    assert "▶️ <b>Shop API</b> — 0 sessions (active)" in listing


async def test_duplicate_name_is_case_insensitive(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    [reply] = texts(await baton.send("/newproject  sHoP "))
    assert "already has a project called" in reply
    [listing] = texts(await baton.send("/projects"))
    assert listing.count("Shop") == 1


async def test_empty_and_overlong_names(baton: Harness) -> None:
    [empty] = texts(await baton.send("/newproject | only a description"))
    assert "Give the project a name" in empty
    [long] = texts(await baton.send("/newproject " + "x" * 65))
    assert "65 characters" in long and "64" in long
    [listing] = texts(await baton.send("/projects"))
    assert "No projects" in listing


async def test_projects_buttons_switch_the_active_project(baton: Harness) -> None:
    await baton.send("/newproject Alpha")
    await baton.send("/newproject Beta")
    await baton.send("/startsession")
    calls = await baton.send("/projects")
    [listing] = [c for c in calls if c.method == "sendMessage"]
    assert "▶️ <b>Beta</b> — 1 session (active)" in listing.text
    assert "• <b>Alpha</b> — 0 sessions" in listing.text
    buttons = listing.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in buttons] == [["Switch to Alpha"]]
    calls = await baton.press(buttons[0][0]["callback_data"])
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert answer.params["text"] == "Switched to Alpha"
    edited = next(c for c in calls if c.method == "editMessageText")
    assert "▶️ <b>Alpha</b>" in edited.text
    [stats] = texts(await baton.send("/stats"))
    assert "<b>Alpha</b>" in stats


async def test_use_switches_by_name(baton: Harness) -> None:
    await baton.send("/newproject Alpha")
    await baton.send("/newproject Beta")
    [reply] = texts(await baton.send("/use alpha"))
    assert "<b>Alpha</b> is now the active project" in reply
    [missing] = texts(await baton.send("/use Gamma"))
    assert "No project called <b>Gamma</b>" in missing
    [bare] = texts(await baton.send("/use"))
    assert "Say which project" in bare


async def test_projects_are_invisible_from_other_chats(baton: Harness) -> None:
    await baton.send("/newproject Secret")
    await baton.send("/newproject Other")  # makes Secret switchable by button
    calls = await baton.send("/projects")
    data = calls[-1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # another chat knows neither the name nor the id
    [by_name] = texts(await baton.send("/use Secret", chat_id=GROUP_CHAT, user_id=FRIEND_ID))
    assert "No project called" in by_name
    calls = await baton.press(data, chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "not in this chat" in answer.params["text"]
    [listing] = texts(await baton.send("/projects", chat_id=GROUP_CHAT, user_id=FRIEND_ID))
    assert "Secret" not in listing and "No projects" in listing
    # and the same name is free to use there
    [created] = texts(await baton.send("/newproject Secret", chat_id=GROUP_CHAT, user_id=FRIEND_ID))
    assert "Created" in created


async def test_bad_callback_data_gets_clear_answer(baton: Harness) -> None:
    calls = await baton.press("use:not-a-number")
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "not in this chat" in answer.params["text"]
