"""Phrase pools for the synthetic preservation corpus (data only, immutable tuples).

Facts are written the way people and assistants actually say them: varied verbs, facts
buried mid-paragraph, some with no cue word a keyword classifier would look for. Each
entry carries its *anchor*: a short verbatim substring that must survive in a handoff
for the fact to count as kept. Nothing here is tuned to the builder's cue lists.
"""
from __future__ import annotations

# (phrase used in a sentence, anchor)
GOALS: tuple[tuple[str, str], ...] = (
    ("a service that reconciles Stripe payouts against our ledger every night",
     "reconciles Stripe payouts against our ledger"),
    ("a CLI that syncs Notion pages into a static docs site",
     "syncs Notion pages into a static docs site"),
    ("an internal dashboard that shows build times per team",
     "dashboard that shows build times per team"),
    ("a Telegram bot that books meeting rooms from the office calendar",
     "bot that books meeting rooms"),
    ("a small API that turns supplier price lists into our catalogue format",
     "turns supplier price lists into our catalogue format"),
)
GOAL_LINES: tuple[str, ...] = (
    "Hi! I'm working on {g}. Can you help me get it off the ground? I have a rough skeleton.",
    "Context first: the goal is {g}. Most of the plumbing exists, it just doesn't work yet.",
    "So what I'm trying to build is {g} — nothing fancy, but it has to be reliable.",
    "hey, quick background before we start. we need {g}, and my manager wants a demo soon.",
)

CONSTRAINTS: tuple[tuple[str, str], ...] = (
    ("don't add new dependencies without asking me first", "without asking me first"),
    ("we have to stay on Python 3.10, the prod image is pinned to it", "stay on Python 3.10"),
    ("use httpx, not requests, for anything HTTP", "httpx, not requests"),
    ("all money amounts stay in integer cents, never floats", "integer cents"),
    ("never log raw card numbers, not even at debug level", "never log raw card numbers"),
    ("keep functions under 40 lines, the reviewers are strict about it", "under 40 lines"),
    ("I prefer plain SQL over the ORM for the reporting queries", "plain SQL over the ORM"),
    ("every public function needs a docstring and type hints", "docstring and type hints"),
    ("tests have to run offline, no network calls in CI", "no network calls in CI"),
    ("commit messages follow Conventional Commits", "Conventional Commits"),
    ("timestamps are stored in UTC and only converted in the UI", "stored in UTC"),
    ("answer with diffs rather than whole files when the change is small",
     "diffs rather than whole files"),
)
CONSTRAINT_LINES: tuple[str, ...] = (
    "Also, {c}.",
    "One rule for this project: {c}.",
    "btw {c} — it bit us last quarter.",
    "Before I forget: {c}. Thanks!",
    "Can you redo that? Remember {c}.",
)

# Decisions that stay current: (sentence, anchor); sentences are complete.
DECISIONS: tuple[tuple[str, str], ...] = (
    ("Let's go with Postgres advisory locks for the job scheduler, it saves us running ZooKeeper.",
     "Postgres advisory locks"),
    ("We'll use cursor pagination, because inserts shift the pages with offsets.",
     "cursor pagination"),
    ("Decided: retries use exponential backoff capped at 60 seconds.", "capped at 60 seconds"),
    ("I went with Typer for the CLI since it gives us help text for free.", "Typer for the CLI"),
    ("OK, we keep one SQLite file per tenant.", "one SQLite file per tenant"),
    ("Let's store carts in Postgres.", "store carts in Postgres"),
    ("PDFs get rendered with WeasyPrint; wkhtmltopdf is unmaintained.", "rendered with WeasyPrint"),
    ("I'm settling on structlog with JSON output for the logs.", "structlog with JSON output"),
    ("The importer will stream the CSV in chunks of 5,000 rows.", "chunks of 5,000 rows"),
    ("Feature flags live in the settings table, not in env vars.",
     "feature flags live in the settings table"),
    ("Agreed, the matcher runs as its own worker process.", "matcher runs as its own worker"),
)
DECISION_WRAP: tuple[str, ...] = (
    "{d}",
    "Thought about it overnight. {d}",
    "Right, that settles it. {d} Moving on.",
    "{d} Please update the README section on architecture accordingly.",
)

# (old sentence, old anchor, new sentence, new anchor)
SUPERSEDED: tuple[tuple[str, str, str, str], ...] = (
    ("Let's cache the exchange rates in Redis.", "exchange rates in Redis",
     "Actually drop Redis — we'll keep the exchange rates in a Postgres table, one less "
     "service to run.", "exchange rates in a Postgres table"),
    ("We'll schedule the sync with cron on the VM.", "sync with cron on the VM",
     "Change of plan: the sync runs as a Celery beat task now, cron kept missing runs after "
     "reboots.", "Celery beat task"),
    ("Let's use Flask for the API, it's what the team knows.", "use Flask for the API",
     "I'm switching the API from Flask to FastAPI; we need the async endpoints.",
     "from Flask to FastAPI"),
    ("We'll send the emails through SMTP directly.", "emails through SMTP directly",
     "Scrap the SMTP plan, emails go through the Postmark API from now on.", "Postmark API"),
    ("Store uploads on local disk for now.", "uploads on local disk",
     "Uploads move to the S3 bucket acme-uploads-prod instead of local disk.",
     "acme-uploads-prod"),
    ("Use UUID4 primary keys everywhere.", "UUID4 primary keys",
     "We're replacing the UUID4 keys with ULIDs so ids sort by creation time.",
     "ULIDs so ids sort by creation time"),
)

FILE_DIRS: tuple[str, ...] = ("src/ledger", "app/services", "app/api", "src/ledger/jobs",
                              "tests/integration", "scripts", "app/models", "src/ledger/fx")
FILE_NAMES: tuple[str, ...] = (
    "payout_matcher", "fx_rates", "webhook_verify", "csv_importer", "refund_report",
    "ledger_sync", "retry_queue", "tenant_db", "audit_trail", "statement_parser", "alerts",
    "backfill_march", "settlement", "pdf_render", "rate_limit", "notion_client", "calendar",
    "price_lists", "feature_flags", "bank_feed", "export_csv", "cleanup_jobs", "health",
)
FILE_LINES: tuple[str, ...] = (
    "I created `{p}` and moved the matching logic there.",
    "Save this as `{p}`:\n```python\n{code}\n```\nIt keeps the public function small and "
    "leaves the I/O to the caller.",
    "I've updated {p} so that it handles the empty-batch case, have a look.",
    "Pushed the change to {p}. The diff is small.",
    "Here's the reworked module. The important part is the loop at the bottom.\n```python\n"
    "# {p}\n{code}\n```\nEverything else in `{p}` stays as it was.",
)

COMMANDS: tuple[str, ...] = (
    "pytest -m integration -x --maxfail=1",
    "alembic revision --autogenerate -m \"add payouts index\"",
    "docker compose run --rm worker python -m ledger.sync --dry-run",
    "uvicorn app.main:app --reload --port 8081",
    "python -m ledger.sync --since 2024-01-01",
    "ruff check --fix src/",
    "gh pr create --fill --draft",
    "celery -A ledger.worker beat --loglevel=info",
    "npm run build -- --mode staging",
    "kubectl -n ledger rollout restart deploy/worker",
    "make seed-demo TENANT=acme",
    "python scripts/backfill.py --month 2024-03 --commit",
)
COMMAND_LINES: tuple[str, ...] = (
    "Run it like this:\n```bash\n{c}\n```\nIf it prints nothing, it worked.",
    "I ran `{c}` and it went through fine.",
    "To reproduce on your side: {c} — it should take about a minute.",
    "From now on use this to check things:\n```\n$ {c}\n```",
)

# (error line, error anchor, fix sentence, fix anchor)
ERRORS: tuple[tuple[str, str, str, str], ...] = (
    ("psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "
     "\"payouts_pkey\"", "duplicate key value violates unique constraint",
     "The root cause was the retry inserting the same payout twice; I fixed it with "
     "`ON CONFLICT (id) DO NOTHING`.", "ON CONFLICT (id) DO NOTHING"),
    ("ModuleNotFoundError: No module named 'ledger.fx'", "No module named 'ledger.fx'",
     "Turns out the package was missing an `__init__.py` in src/ledger/fx/, adding it sorted "
     "the import out.", "missing an __init__.py"),
    ("httpx.ReadTimeout: timed out while reading the bank feed", "httpx.ReadTimeout",
     "Raised the client timeout to 30 s and added one retry on ReadTimeout, the nightly run "
     "is clean now.", "client timeout to 30 s"),
    ("sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called",
     "greenlet_spawn has not been called",
     "The fix is to eager-load the lines with `selectinload(Payout.lines)` so nothing "
     "lazy-loads outside the async context.", "selectinload(Payout.lines)"),
    ("TypeError: Object of type Decimal is not JSON serializable",
     "Object of type Decimal is not JSON serializable",
     "Fixed by passing `default=str` to json.dumps in the webhook logger.", "default=str"),
    ("KeyError: 'STRIPE_WEBHOOK_SECRET'", "KeyError: 'STRIPE_WEBHOOK_SECRET'",
     "It was the worker container not loading .env; adding `env_file: .env` to the worker "
     "service fixed it.", "env_file: .env"),
    ("sqlite3.OperationalError: database is locked", "database is locked",
     "Switching the tenant databases to WAL (`PRAGMA journal_mode=WAL`) got rid of the "
     "locking.", "PRAGMA journal_mode=WAL"),
)

FAILED: tuple[tuple[str, str], ...] = (
    ("I tried bumping the connection pool to 50 but the timeouts got worse.",
     "connection pool to 50"),
    ("Pinning `urllib3<2` didn't help at all.", "urllib3<2"),
    ("Running the sync in threads was a dead end, the rate limiter and the GIL fight each "
     "other.", "running the sync in threads"),
    ("Don't bother with the `--no-cache-dir` trick again, the build still breaks.",
     "--no-cache-dir"),
    ("Mocking Stripe with the responses library didn't work, the SDK uses its own client.",
     "mocking Stripe with the responses library"),
    ("We gave up on generating the PDFs in the browser.", "generating the PDFs in the browser"),
    ("Disabling SSL verification made no difference, so that's not it either.",
     "disabling SSL verification"),
)

IDENTIFIERS: tuple[tuple[str, str], ...] = (
    ("The staging API lives at https://staging.ledger.example.com/api/v2 if you need it.",
     "https://staging.ledger.example.com/api/v2"),
    ("This is tracked in issue #482.", "#482"),
    ("The health check listens on port 8443 on the worker.", "8443"),
    ("Set LEDGER_SYNC_BATCH=500 in the environment before running it.", "LEDGER_SYNC_BATCH"),
    ("We're on stripe==7.12.0 for now.", "stripe==7.12.0"),
    ("PR #517 has the migration, still in review.", "#517"),
    ("The Jira ticket is LEDG-231.", "LEDG-231"),
    ("Staging runs Postgres 15.4, same as prod.", "Postgres 15.4"),
    ("Dashboards are at https://grafana.acme.internal/d/ledger-sync.",
     "https://grafana.acme.internal/d/ledger-sync"),
)

OPEN: tuple[tuple[str, str, str], ...] = (  # (statement, anchor, resolution sentence)
    ("The nightly export still times out for accounts with more than 10k rows, no idea why yet.",
     "more than 10k rows",
     "The export timeout for accounts with more than 10k rows is fixed: a missing index."),
    ("CI is still flaky on test_refund_race, maybe one run in ten.", "test_refund_race",
     "test_refund_race is stable now, the flakiness is resolved."),
    ("We're blocked on finance sending the chart of accounts mapping.",
     "chart of accounts mapping", "Finance sent the chart of accounts mapping, so that's done."),
    ("Memory keeps growing in the worker over a day; I'm not sure it's a leak.",
     "memory keeps growing in the worker",
     "The memory keeps growing in the worker problem is solved, it was the unbounded cache."),
    ("The EUR rounding differs from the bank's by a cent on some payouts, unresolved.",
     "differs from the bank's by a cent",
     "Rounding that differs from the bank's by a cent is fixed with banker's rounding."),
)

TASKS: tuple[str, ...] = (
    "the CSV export for refunds", "the retry queue for failed webhooks",
    "the dark mode toggle in the admin UI", "the backfill script for March payouts",
    "the Slack alert when a sync fails", "rate limiting on the login endpoint",
    "the tenant offboarding cleanup",
)
TASK_PLAN: tuple[str, ...] = (
    "We still need {t}.", "TODO after this: {t}.", "Let's not forget {t} later.",
    "Remaining work includes {t}.",
)
TASK_DONE: tuple[str, ...] = (
    "{T} is done, tests pass.", "Finished {t} and merged it.", "OK, {t} works now.",
    "I've shipped {t}.",
)

NEXTS: tuple[str, ...] = (
    "wiring the payout matcher into the nightly job", "the refund reconciliation report",
    "moving the importer behind the feature flag", "load-testing the webhook endpoint",
    "writing the runbook for on-call",
)
NEXT_LINES: tuple[str, ...] = (
    "Next session we should start with {x}.", "Tomorrow: {x}, before anything else.",
    "When we pick this up again, the first thing is {x}.",
)
LAST_REQUESTS: tuple[tuple[str, str], ...] = (
    ("Before I log off, can you write me a short summary of what changed in the matcher so I "
     "can paste it into the PR description?", "paste it into the PR description"),
    ("last thing: give me the exact steps to rerun the March backfill on staging tomorrow "
     "morning", "rerun the March backfill on staging"),
    ("Could you list the env vars the worker needs, one per line, so ops can add them?",
     "so ops can add them"),
)
