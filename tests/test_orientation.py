"""Point 2: /start, /help, the command menu, /cmd@BotName in groups, unknown commands."""
from __future__ import annotations

from handlers.help import COMMANDS
from tests.harness import GROUP_CHAT, Harness, texts


async def test_command_menu_registered_at_startup(baton: Harness) -> None:
    calls = baton.sent("setMyCommands")
    assert len(calls) == 1
    registered = [c["command"] for c in calls[0].params["commands"]]
    assert registered == [name for name, _, _ in COMMANDS]
    assert {"newproject", "startsession", "complete", "handoff", "stats"} <= set(registered)


async def test_start_explains_the_loop_in_three_lines(baton: Harness) -> None:
    [reply] = texts(await baton.send("/start"))
    lines = reply.splitlines()
    assert len(lines) == 4  # greeting + the three steps of the loop
    assert "/newproject" in reply and "/complete" in reply and "master prompt" in reply
    assert "privacy" not in reply


async def test_start_in_group_explains_privacy_mode(baton: Harness) -> None:
    [reply] = texts(await baton.send("/start@baton_test_bot", chat_id=GROUP_CHAT))
    assert "/setprivacy" in reply and "/note" in reply and "admin" in reply


async def test_help_lists_every_command_with_an_example(baton: Harness) -> None:
    [reply] = texts(await baton.send("/help"))
    for name, _, example in COMMANDS:
        line = next(ln for ln in reply.splitlines() if ln.startswith(f"/{name} "))
        assert "Example: <code>" in line and example.split()[0] in line


async def test_unknown_command_gets_pointer_to_help(baton: Harness) -> None:
    [reply] = texts(await baton.send("/frobnicate now"))
    assert "/frobnicate" in reply and "/help" in reply


async def test_command_for_another_bot_in_group_is_ignored(baton: Harness) -> None:
    assert texts(await baton.send("/frobnicate@other_bot", chat_id=GROUP_CHAT)) == []
