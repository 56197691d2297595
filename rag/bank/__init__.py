"""The answer bank: reading and validating the corpus (answers, asked questions, not-covered list,
glossary), the outline of an answer, and the keeper's warnings (``rag check``)."""
