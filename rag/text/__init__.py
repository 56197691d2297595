"""Text basics every layer shares: keyword tokenising (Chinese and English) and typography checks."""
