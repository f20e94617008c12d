"""What a reader gets, as text and files in their language: event notices, contest notices,
broadcasts, certificates. Renderers only read; sending is `bot.delivery`'s."""
