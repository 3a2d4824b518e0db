"""Composition root: builds the Application, wires handlers, opens and closes the database."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import httpx
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.access import make_gate
from bot.config import Config, LLMConfig
from bot.errors import Reach, on_error
from handlers import (
    chat_events,
    data_commands,
    digest_command,
    file_imports,
    message_capture,
    project_commands,
    session_commands,
    stats_command,
)
from handlers import help as help_handlers
from handlers.context import BatonApp, BotData, ChatData
from handlers.paste import flush_everything, restore_fragments
from handlers.sink import commit_hook, flush_acks
from llm.client import ChatClient, ClientSettings
from llm.writer import LLMSettings
from service.runtime import Runtime
from transcripts.model import Limits

log = logging.getLogger(__name__)


def _wire(app: BatonApp, config: Config) -> None:
    app.add_handler(TypeHandler(Update, make_gate(config.access)), group=-2)
    app.add_handler(MessageHandler(filters.COMMAND, message_capture.end_paste_window), group=-1)
    # Captured messages are most updates: their handlers come first and use cheap filters
    # (a message with text or a caption is never a service message).
    message = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(message & filters.Document.ALL, file_imports.hold_document),
                    group=-1)
    app.add_handler(MessageHandler(message & filters.Document.ALL, file_imports.import_document,
                                   block=False))
    app.add_handler(MessageHandler(message & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND,
                                   message_capture.capture_message))
    commands: list[tuple[str, Any, bool]] = [
        ("start", help_handlers.start, True),
        ("help", help_handlers.help_command, True),
        ("newproject", project_commands.new_project, True),
        ("projects", project_commands.list_projects, True),
        ("use", project_commands.use_project, True),
        ("startsession", session_commands.start_session, True),
        ("note", message_capture.note, True),
        # Building a handoff can take a while: don't hold up other chats' updates.
        ("complete", session_commands.complete, False),
        ("handoff", session_commands.handoff, False),
        ("stats", stats_command.stats, True),
        ("sessions", data_commands.list_sessions, True),
        ("rename", data_commands.rename, True),
        ("cancel", data_commands.cancel, True),
        ("forget", data_commands.forget, True),
        ("deleteproject", data_commands.delete_project, True),
        # Zipping a big chat takes a moment: don't hold up other chats' updates.
        ("export", data_commands.export, False),
        # Drawing the chart takes a moment: don't hold up other chats' updates.
        ("digest", digest_command.make_command(digest_command.settings_from(config.digest)), False),
    ]
    for name, callback, block in commands:
        app.add_handler(CommandHandler(name, callback, block=block))
    app.add_handler(CallbackQueryHandler(project_commands.switch_button,
                                         pattern=f"^{project_commands.SWITCH_PREFIX}"))
    app.add_handler(CallbackQueryHandler(file_imports.pick_conversation,
                                         pattern=f"^{file_imports.PICK_PREFIX}", block=False))
    app.add_handler(CallbackQueryHandler(data_commands.confirm_button,
                                         pattern=f"^{data_commands.CONFIRM_PREFIX}"))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_events.migrated))
    app.add_handler(ChatMemberHandler(chat_events.arrived, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.COMMAND, chat_events.unknown_command))
    # After the command's own handler (group 0) has finished: who started a session.
    app.add_handler(MessageHandler(filters.COMMAND, message_capture.after_command), group=1)
    app.add_handler(MessageHandler(message & ~filters.StatusUpdate.ALL, chat_events.non_text))
    # Keep last among callback handlers: data nobody above claims is stale or forged.
    app.add_handler(CallbackQueryHandler(chat_events.expired_button))
    # A group of its own, after every other: runs for each message, whatever handled it.
    app.add_handler(MessageHandler(message, digest_command.tell_turned_off), group=2)
    app.add_error_handler(on_error)


def _llm_client(config: LLMConfig, env: Mapping[str, str]) -> tuple[ChatClient | None, str]:
    """The shared model client, or None (extractive handoffs) when no key is set."""
    key = config.api_key(env)
    if key is None:
        return None, (f"No {config.api_key_env} in the environment: handoffs are extractive "
                      "(set it to let a model write them).")
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=config.max_concurrency * 2))
    return (ChatClient(http, ClientSettings.from_config(config, key)),
            f"Handoffs are written by {config.model} at {config.base_url}.")


def build_application(config: Config, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None,
                      env: Mapping[str, str] | None = None) -> BatonApp:
    """Build the bot; tests pass an offline `request` to run it without a network."""
    context_types = ContextTypes(context=CallbackContext, bot_data=BotData, chat_data=ChatData)
    environment = os.environ if env is None else env

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        data: BotData = app.bot_data
        data.runtime = await Runtime.open(config.storage.path, commit_hook(app))
        data.handoff = config.handoff
        data.capture = config.capture
        data.digest = config.digest
        data.import_limits = Limits(max_bytes=config.imports.max_bytes,
                                    max_turns=config.imports.max_turns)
        data.llm_client, said = _llm_client(config.llm, environment)
        data.llm_settings = LLMSettings.from_config(config.llm)
        log.info(said)
        resumed = await file_imports.resume_held(app)
        if resumed:
            log.info("importing again %d files the previous run did not finish", resumed)
        restored = await restore_fragments(app)
        if restored:
            log.info("stitching %d typed fragments left by the previous run", restored)
        digests = await digest_command.start_digests(app, digest_command.settings_from(config.digest))
        if digests:
            log.info("%d digest schedules registered", digests)
        await app.bot.set_my_commands(help_handlers.BOT_COMMANDS)
        log.info("Baton is up as @%s; database %s", app.bot.username, config.storage.path)

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        data: BotData = app.bot_data
        if data.llm_client is not None:
            await data.llm_client.http.aclose()
            data.llm_client = None
        data.stopping = True
        if data.runtime is not None:
            await flush_everything(app)  # pending pastes are stored, not left for next time
            await data.runtime.drain()  # nothing a user was told is saved gets dropped
        await flush_acks(app)
        if data.runtime is not None:
            await data.runtime.close()
            data.runtime = None

    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .context_types(context_types)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url)
    if config.telegram.base_file_url:
        builder = builder.base_file_url(config.telegram.base_file_url)
    # Every send passes through the rate limiter: Reach wraps it to leave unreachable chats alone.
    reach = Reach(AIORateLimiter(max_retries=3) if config.telegram.rate_limit else None)
    builder = builder.rate_limiter(reach)
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    app: BatonApp = builder.build()
    reach.unreachable = app.bot_data.unreachable  # one set, held on the Application
    _wire(app, config)
    return app
