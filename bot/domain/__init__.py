"""The rules and words of the domain: no Telegram, no SQL."""
