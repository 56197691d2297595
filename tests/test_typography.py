"""Typography checker: each house-style rule fires on a departure and stays quiet on correct text."""

from __future__ import annotations

import pytest

from rag.text.typography import typography_problems


def messages(text: str) -> list[str]:
    return [message for _, message in typography_problems(text)]


CLEAN = """\
## 参考答案

### 定义

大语言模型（LLM）是在万亿 Token 级别的语料上训练的模型，Qwen2.5 系列有 7B 版本。
自助解决率从 40% 提升到 60%，约 95% 的问题能“一次答对”。
- **优势**：效率高；**挑战**：幻觉、版权？都要管！
- **为什么不全部用 API？** 成本随量线性增长。
The filing (备案) step applies to public services, see "Interim Measures".
1) 第一点
"""


def test_clean_text_gives_nothing():
    assert typography_problems(CLEAN) == []


def test_straight_quotes_around_chinese():
    assert messages('客服问题多数是"查资料加组织语言"。') == [
        'straight quotes around "查资料加组织语言"; use “查资料加组织语言” in Chinese text'
    ]


def test_straight_quotes_around_latin_inside_chinese_sentence():
    assert len(messages('这一步叫"RAG"，不是微调。')) == 1


def test_straight_quotes_in_english_text_are_fine():
    assert messages('He said "hello" and left.') == []


def test_corner_brackets():
    assert messages("这就是「幻觉」问题。") == ['corner brackets in "「幻觉」"; use “ ” for quotes in Chinese text']


@pytest.mark.parametrize(
    ("text", "char", "full"),
    [
        ("模型,我们", ",", "，"),
        ("注意;这里", ";", "；"),
        ("如下:", ":", "："),
        ("为什么?因为", "?", "？"),
        ("好!对", "!", "！"),
    ],
)
def test_half_width_punctuation_between_chinese(text, char, full):
    assert messages(text) == [f'half-width "{char}" after "{text[text.index(char) - 1]}"; use "{full}"']


def test_half_width_parentheses():
    assert messages("大模型(比如千问)的能力") == [
        'half-width "(" after "型"; use "（"',
        'half-width ")" before "的"; use "）"',
    ]
    assert messages("我们用了，(比如千问)，效果好") == [
        'half-width parentheses around "比如千问" in a Chinese sentence; use "（）"'
    ]


def test_missing_space_chinese_then_latin():
    assert messages("调用模型 API接口") == ['missing space between "API" and "接"']
    assert messages("调用模型API 接口") == ['missing space between "型" and "API"']


def test_missing_space_digits_and_percent():
    assert messages("提升到60%的水平") == [
        'missing space between "到" and "60%"',
        'missing space between "60%" and "的"',
    ]


def test_missing_space_counts_bold_as_adjacent():
    assert messages("用**RAG**的方法") == [
        'missing space between "用" and "RAG"',
        'missing space between "RAG" and "的"',
    ]


def test_space_before_and_after_full_width_punctuation():
    assert messages("创新和实践 ：评估") == ['space between "践" and "："; remove it']
    assert messages("第一点。 第二点") == ['space between "。" and "第"; remove it']
    assert messages("这叫 “幻觉”") == ['space between "叫" and "“"; remove it']


def test_code_urls_and_fences_are_skipped():
    text = """\
运行 `rag check"中文"` 检查，参见 https://example.com/中文(页面) 和 [文档](https://a.b/中文)。

```
模型API "中文" 模型,我们
```

~~~yaml
key: 中文abc
~~~
"""
    assert typography_problems(text) == []


def test_front_matter_and_title_are_skipped():
    text = '---\nquestion: 你自己训练过Lora吗？\n---\n\n# 你自己训练过Lora吗？\n\n正文用"引号"。\n'
    assert typography_problems(text) == [(7, 'straight quotes around "引号"; use “引号” in Chinese text')]


def test_lines_are_reported_in_file_coordinates():
    body = "\n## 参考答案\n\n模型API\n"
    assert typography_problems(body, first_line=30) == [
        (33, 'missing space between "型" and "API"'),
    ]
