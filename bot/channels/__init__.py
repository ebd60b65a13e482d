"""Chat channels: each one an adapter folder over the channel-neutral core."""
