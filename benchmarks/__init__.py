"""Benchmarks that print figures (run them; they assert nothing)."""
