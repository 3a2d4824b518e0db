"""`python -m bot --config config.toml`."""
import sys

from bot.cli import main

sys.exit(main())
