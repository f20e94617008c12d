"""What every part of Kopir shares: settings, the app context handed to handlers and jobs,
the clock, and the translator. Imports nothing of Kopir but `storage`."""
