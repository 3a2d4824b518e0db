"""Import conversations from AI-chat exports, Telegram exports, agent logs or pasted text.

Pure domain code: no Telegram, storage or network access.
"""
