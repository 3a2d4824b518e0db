"""Hand-written sessions shared by the builder tests."""
from __future__ import annotations

from datetime import date, datetime

from handoff.types import ProjectIn, SessionIn, TurnIn

PROJECT = ProjectIn("Shop API", "FastAPI + PostgreSQL backend for a small online shop")
TODAY = date(2026, 11, 20)


def user(text: str) -> TurnIn:
    return TurnIn("user", "Rina", "typed", text)


def assistant(text: str) -> TurnIn:
    return TurnIn("assistant", "Claude", "typed", text)


def first_session() -> SessionIn:
    turns = [
        user("Hi! The goal is to build a REST backend for a small shop with FastAPI and "
             "PostgreSQL. We must use Python 3.12 and never add new services without asking. "
             "Prefer httpie in examples, not curl."),
        assistant("Sure. I created app/main.py and app/routers/cart.py. Start it with "
                  "`uvicorn app.main:app --reload` and open http://localhost:8000/docs."),
        user("I ran `pytest -q` and CI says:\n```\nTraceback (most recent call last):\n"
             "  File \"app/routers/cart.py\", line 12, in add_item\n"
             "asyncpg.exceptions.UndefinedTableError: relation \"cart_items\" does not exist\n```"),
        assistant("The problem was that migrations never ran in CI. Fixed by adding "
                  "`alembic upgrade head` to .github/workflows/ci.yml before the tests."),
        user("Great, all 41 tests pass now. We decided to use Redis for carts to keep them fast."),
        assistant("I tried sharing one AsyncSession across requests but it didn't work: "
                  "connection errors under load."),
        user("Stock reservation while a cart waits is an open question, see issue #14. "
             "Put DATABASE_URL in .env, never in code."),
        user("Next we should add checkout: POST /orders in one transaction, then charge with "
             "Stripe in test mode."),
    ]
    return SessionIn(1, turns, objectives="cart endpoints and CI",
                     notes="cart endpoints work; CI runs migrations",
                     started_at=datetime(2026, 11, 17, 9, 0),
                     completed_at=datetime(2026, 11, 17, 18, 0))


def second_session() -> SessionIn:
    turns = [
        user("Let's switch to Postgres for carts instead of Redis, one store less to run."),
        assistant("Carts now live in Postgres: I added migrations/versions/0004_cart_items.py "
                  "and ran `alembic upgrade head`."),
        user("Checkout is done: POST /orders works and the Stripe test charge passes."),
        assistant("Stock reservation is resolved as well: issue #14 closed by PR #15."),
        user("Next time let's do order emails with `celery` and keep the cart tests green."),
    ]
    return SessionIn(2, turns, started_at=datetime(2026, 11, 18, 9, 0))
