"""The Zalo Bot Platform channel: the HTTP client, updates, the webhook and polling."""
