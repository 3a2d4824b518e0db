"""The offline Bot API answers faults the way Telegram does, as PTB sees them."""
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from tests.fake_bot_api import BLOCKED, DROPPED, SERVER_ERROR, TOO_MANY, Fault
from tests.harness import Harness


async def test_injected_faults_reach_the_bot_as_telegram_errors(baton: Harness) -> None:
    assert baton.app is not None
    bot = baton.app.bot
    for fault, exc in ((TOO_MANY, RetryAfter), (SERVER_ERROR, NetworkError), (DROPPED, NetworkError),
                       (BLOCKED, Forbidden), (Fault(400, "Bad Request: can't parse entities"), BadRequest)):
        baton.api.fail("sendMessage", fault)
        with pytest.raises(exc):
            await bot.send_message(1001, "x")
    await bot.send_message(1001, "y")
    assert len(baton.api.ok("sendMessage")) == 1
