from rag.text.tokenize import content_words, tokenize


def test_chinese_is_segmented_and_function_words_dropped() -> None:
    words = content_words("大模型的幻觉问题怎么办")
    assert "幻觉" in words
    assert "的" not in words and "怎么办" not in words


def test_english_words_are_stemmed_and_question_words_dropped() -> None:
    assert tokenize("How do you evaluate agents?") == ["evalu", "agent"]


def test_plural_acronyms_match_their_singular() -> None:
    assert tokenize("LLMs and GPTs") == tokenize("LLM and GPT") == ["llm", "gpt"]
    assert tokenize("APIs") == ["api"]  # ordinary plurals are still left to the stemmer


def test_mixed_query_keeps_both_languages() -> None:
    assert tokenize("LLM的优缺点") == ["llm", "优缺点"]
