"""The `chibo` subcommands that are more than a few lines: their logic, apart from the parser."""
