"""Search: query cleaning and intent, ranking and fusion, the verdict, and the Searcher that uses them."""
