"""The deterministic handoff: document model, scanning, ranking, selection, rendering and
merging with the previous handoff. Plain Python: no Telegram, no network."""
