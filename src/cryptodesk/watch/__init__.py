"""The watcher: watchlist, alert rules, scheduled analyses and their delivery."""
