"""How python-telegram-bot runs Kopir: updates of different readers at once and each
reader's in order (`updates`), forms and conversation states kept in the database
(`persistence`), and typed access to what PTB's types leave optional (`ptb`). Wired by
`bot.app`."""
