"""Calendar feeds (DESIGN §4.5): private signed feeds per user, the public feed, the calendar
page."""
