"""The index: chunking answers, the embedders, the stored builds (FAISS + BM25) and building them."""
