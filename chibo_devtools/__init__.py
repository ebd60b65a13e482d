"""Development tools shipped beside the bot: the chat platform simulators and the demo."""
