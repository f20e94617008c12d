"""How python-telegram-bot runs Kopir: updates of different readers at once and each
reader's in order (`updates`), forms and conversation states kept in the database
(`persistence`). Wired by `bot.app`."""
