"""Use cases shared by every channel: they call the domain and storage, never Telegram."""
