"""Evaluation: labelled eval sets, their quality figures (``rag eval``) and verdict calibration."""
