"""The offline sandbox (`kopir sandbox`, `make run` without a token): a terminal chat
(`terminal_chat`) against the fake Bot API (`fakeapi`, also the tests' and benchmarks'),
with demo events and contests. Nothing outside the sandbox, the tests and the benchmarks
imports it."""
