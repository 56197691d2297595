"""Gradio web UI of the interview-prep answer finder: a thin layer over ``rag``."""
