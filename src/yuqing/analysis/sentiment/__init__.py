"""Sentiment of posts: negative / neutral / positive with a polarity score (issue 4)."""
