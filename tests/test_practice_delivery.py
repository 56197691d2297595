"""Delivery checks: length and speaking time, fillers, opening, closing stance, numbers."""

from __future__ import annotations

from rag.practice.delivery import analyse, count_fillers, numbers_used, speaking_seconds


def test_speaking_time_counts_chinese_characters_and_english_words():
    assert speaking_seconds("字" * 240) == 60
    assert speaking_seconds(" ".join(["word"] * 150)) == 60
    assert speaking_seconds("我们用 RAG 做检索") == round(6 / 4 + 1 / 2.5)


def test_fillers_in_both_languages():
    zh = "嗯，这个问题挺大的。就是，AI现在很火嘛，然后那个，大家都在做，然后就是说以后会更好。"
    assert count_fillers(zh) == {"嗯": 1, "然后": 2, "就是": 2}
    en = "Um, I think, like, you know, it's basically good. I mean it works."
    assert count_fillers(en) == {"um": 1, "like": 1, "you know": 1, "basically": 1, "I mean": 1}


def test_words_that_only_look_like_fillers_do_not_count():
    assert count_fillers("这就是我们的方案，那个版本更好。Tools like DALL-E help; I like it.") == {}


def test_numbers_used():
    text = "准确率从70%提到92%，抽样200条，三个月上线，成本降了两倍，BM25 也用了。It went up 15 percent."
    assert numbers_used(text) == ["70%", "92%", "200条", "三个月", "两倍", "15 percent"]
    assert numbers_used("没有数字") == []


def test_direct_opening_and_closing_stance():
    good = analyse("幻觉就是模型编造内容。我们用RAG解决。所以我认为要把它控制在可接受范围。", opening_on_topic=True)
    assert good.opens_directly and good.closes_with_stance
    assert good.opening == "幻觉就是模型编造内容。" and good.closing.startswith("所以我认为")
    vague = analyse("嗯，这个问题挺大的。大家都在做，以后怎么样也说不准。", opening_on_topic=True)
    assert not vague.opens_directly and not vague.closes_with_stance
    off_topic = analyse("我们公司在上海。所以我认为很好。", opening_on_topic=False)
    assert not off_topic.opens_directly


def test_english_answer():
    d = analyse("An agent plans and calls tools. Um, it fails often. My view: start with a workflow.", True)
    assert d.words == 16 and d.characters == 0
    assert d.opens_directly and d.closes_with_stance and d.fillers == {"um": 1}
    assert d.to_dict()["filler_count"] == 1
