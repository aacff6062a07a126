import re

import pytest
from conftest import SHARED, need

from paperradar.evaluate import load_dev_qrels
from paperradar.index.crosslingual import (
    Glossary,
    default_glossary,
    detect_language,
    read_glossary,
    translate_query,
)


@pytest.mark.parametrize("text, language", [
    ("知识蒸馏", "zh"),
    ("图像超分辨率", "zh"),
    ("基于Transformer的目标检测", "zh"),
    ("vision transformers", "en"),
    ("Über neuronale Netze", "en"),  # Latin script: not told apart from English
    ("トランスフォーマーの蒸留", "ja"),
    ("트랜스포머 지식 증류", "ko"),
    ("нейронные сети", "ru"),
    ("2023 / 42", "und"),
    ("", "und"),
])
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_the_chinese_dev_queries_translate_fully():
    judged = load_dev_qrels(need(SHARED / "eval" / "dev-qrels.json"))
    chinese = [j.query for j in judged if detect_language(j.query) == "zh"]
    assert chinese, "dev-qrels has a Chinese query"
    for query in chinese:
        v = translate_query(query)
        assert v.language == "zh" and v.unknown == () and v.english
        assert re.fullmatch(r"[A-Za-z0-9 '+./_-]+", v.english)
    assert translate_query("图像超分辨率").english == "image super-resolution"


@pytest.mark.parametrize("query, expected", [
    ("知识蒸馏", "knowledge distillation"),
    ("对比学习", "contrastive learning"),
    ("大语言模型", "large language model"),
    ("强化学习", "reinforcement learning"),
    ("扩散模型", "diffusion model"),
    ("持续学习与类增量学习", "continual learning and class-incremental learning"),
    ("基于扩散模型的图像编辑", "diffusion model image editing"),
    ("低光照图像增强", "low-light image enhancement"),
    ("小样本目标检测", "few-shot object detection"),
    ("语音识别", "speech recognition"),
    ("机器人抓取", "robot grasping"),
    ("图神经网络", "graph neural network"),
])
def test_ml_terms_translate(query, expected):
    v = translate_query(query)
    assert v.english == expected and v.unknown == ()


def test_mixed_queries_keep_the_latin_words():
    assert translate_query("BERT预训练").english == "BERT pre-training"
    assert translate_query("视觉Transformer").english == "vision Transformer"
    assert translate_query("基于 LoRA 的大模型微调").english == "LoRA large model fine-tuning"
    # Chinese punctuation and full-width letters are normalised
    assert translate_query("知识蒸馏，ＣＬＩＰ（对比学习）").english == \
        "knowledge distillation CLIP contrastive learning"


def test_untranslated_pieces_are_reported_not_guessed():
    v = translate_query("熊猫的知识蒸馏")
    assert v.english == "knowledge distillation"
    assert v.unknown == ("熊猫",)
    nothing = translate_query("熊猫")
    assert nothing.english is None and nothing.unknown == ("熊猫",)
    assert nothing.texts == ["熊猫"]


def test_english_queries_pass_through():
    v = translate_query("image super-resolution")
    assert v == translate_query("image super-resolution")
    assert v.english == "image super-resolution" and v.language == "en" and v.unknown == ()
    assert v.texts == ["image super-resolution"]
    assert translate_query("知识蒸馏").texts == ["知识蒸馏", "knowledge distillation"]


def test_other_languages_are_left_as_they_are():
    for query in ("トランスフォーマーの蒸留", "нейронные сети"):
        v = translate_query(query)
        assert v.english is None and v.texts == [query] and v.language != "zh"


def test_compounds_are_composed_from_their_parts():
    """The glossary is general vocabulary: remove the whole-phrase entries of the
    dev queries and they still translate from their parts."""
    terms = dict(default_glossary().terms)
    for phrase in ("图像超分辨率", "知识蒸馏", "类增量学习", "低光照图像增强"):
        terms.pop(phrase, None)
    parts = Glossary(terms)
    assert translate_query("图像超分辨率", parts).english == "image super-resolution"
    assert translate_query("知识蒸馏", parts).english == "knowledge distillation"
    assert translate_query("类增量学习", parts).english == "class-incremental learning"


def test_segmentation_prefers_fewest_unknown_then_longest():
    g = Glossary({"对比": "contrastive", "对比学习": "contrastive learning", "学习": "learning",
                  "图像": "image", "图像超": "WRONG", "超分": "super-resolution"})
    assert g.segment("对比学习") == [("对比学习", "contrastive learning")]
    assert g.segment("对比学") == [("对比", "contrastive"), ("学", None)]
    # the longest first piece would leave 分 untranslated
    assert g.segment("图像超分") == [("图像", "image"), ("超分", "super-resolution")]
    assert g.segment("猫对比学习狗") == [("猫", None), ("对比学习", "contrastive learning"), ("狗", None)]
    assert g.segment("猫狗") == [("猫狗", None)]


def test_the_shipped_glossary_is_a_general_ml_glossary():
    g = default_glossary()
    assert len(g.terms) >= 800
    for zh, en in [("知识蒸馏", "knowledge distillation"), ("超分辨率", "super-resolution"),
                   ("图像", "image"), ("强化学习", "reinforcement learning"),
                   ("语音识别", "speech recognition"), ("机器人", "robot"), ("的", "")]:
        assert g.terms[zh] == en
    assert all(en.isascii() for en in g.terms.values())


def test_glossary_file_errors_name_the_line(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("# comment\n知识\tknowledge\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"g.tsv:3"):
        read_glossary(path)
    path.write_text("知识\tknowledge\n\n蒸馏\t distillation \n", encoding="utf-8")
    assert read_glossary(path).terms == {"知识": "knowledge", "蒸馏": "distillation"}


@pytest.mark.parametrize("query, expected", [
    ("知識蒸餾", "knowledge distillation"),
    ("圖像超分辨率", "image super-resolution"),
    ("強化學習", "reinforcement learning"),
    ("類神經網路", "neural network"),  # Taiwan usage
    ("物件偵測", "object detection"),
])
def test_traditional_chinese_is_mapped_to_simplified(query, expected):
    v = translate_query(query)
    assert v.english == expected and v.unknown == () and v.original == query


def test_the_traditional_table_covers_the_glossary_characters():
    from paperradar.index.crosslingual import to_simplified

    assert to_simplified("學習與訓練") == "学习与训练"
    assert to_simplified("abc 学习") == "abc 学习"
