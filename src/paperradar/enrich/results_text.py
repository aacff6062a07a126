"""Text helpers of the ``results`` enricher: cleaning an abstract, splitting
it into sentences, finding the numbers and dataset mentions in a sentence,
and telling a method name from an ordinary word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .results_datasets import find_datasets

_ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|approx|Fig|Eq|Sec|Tab|No|resp|w\.r\.t|"
                            r"Dr|Mr|Ms|Prof|St|Inc|Ltd|al|viz)\.|(?<![\w-])[A-Z]\.)$")  # an initial, not "RISC-V."
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9$])")


def clean_abstract(text: str) -> str:
    """One line, LaTeX percent signs, math dollars and Markdown bold undone, spaces collapsed."""
    text = text.replace("\\%", "%").replace("$", "").replace("\\pm", " ± ").replace("\u2212", "-").replace("**", "")
    text = re.sub(r"\\(?:times|sim|approx)\b", lambda m: {"\\times": "x", "\\sim": "~"}.get(m.group(0), "~"), text)
    text = re.sub(r"\\text(?:bf|it|rm)?\{([^{}]*)\}", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned abstract; decimals, "e.g." and "et al." do not end one."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        head = text[start : m.end()]
        if _ABBREVIATIONS.search(head[:-1] + "."):
            continue
        if head.count("(") > head.count(")"):
            continue  # inside parentheses: "(81.8%; Touvron et al., 2020)"
        out.append(head.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


@dataclass
class Number:
    """A number written in a sentence, with its unit as written."""

    start: int
    end: int  # end of the number and its unit
    text: str  # the number as written ("83.2", "1,024")
    value: float
    unit: str | None  # "%", "points", "dB"; None when bare


#: What joins the items of a written list: ", ", ", and ", " and " ("HumanEval, MBPP and DS-1000").
LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)")
_NUMBER = re.compile(r"(?<![\w.@/^{,-])(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?P<tail>[\w×%./-]*)")
_POSSESSIVE = re.compile(r"['’]s\b")
_MODEL_FAMILY = re.compile(r"\b(?:Claude(?:\s+(?:Opus|Sonnet|Haiku))?|Opus|Sonnet|Haiku|Gemini|GPT|Llama|LLaMA|Qwen|Grok|"
                           r"Kimi|Gemma|Phi|Mistral|DeepSeek|GLM|Hunyuan|Doubao|Ernie|ERNIE)\s+$")
_UNIT = re.compile(r"\s*(?P<unit>%|percent\b|percentage points?\b|pp\b|points?\b|dB\b)")


def find_numbers(sentence: str) -> list[Number]:
    """Numbers that may be metric values: not parts of names ("ResNet-50",
    "GPT-4"), sizes ("7B", "24GB"), compounds ("3.7-point", "4-bit"),
    ratios ("16x16", "1/10") or numbers glued to words."""
    out: list[Number] = []
    for m in _NUMBER.finditer(sentence):
        tail = m.group("tail")
        glued = tail and not tail.startswith("%") and not (tail.startswith(".") and not tail[1:2].isalnum())
        if glued:  # "7B", "24GB", "3.7-point", "16x16", "1/10"
            continue
        if _POSSESSIVE.match(sentence, m.end()) or _MODEL_FAMILY.search(sentence[max(0, m.start() - 30) : m.start()]):
            continue  # "Claude Opus 4.7's attack success rate", "Gemini 2.5 Pro reaches ...": a model's version
        text = m.group("num")
        end = m.end("num")
        unit = None
        u = _UNIT.match(sentence, end)
        if u:
            unit = {"percent": "%"}.get(u.group("unit"), u.group("unit"))
            if unit.startswith("percentage point") or unit in ("pp", "point"):
                unit = "points"
            end = u.end()
        out.append(Number(m.start(), end, text, float(text.replace(",", "")), unit))
    return out


_GENERIC_NAME = re.compile(
    r"\b(?P<prep>[Oo]n|[Ii]n)\s+(?:(?:the|our|their|its|this|a|an|new|newly|proposed|curated|challenging|public|"
    r"popular|standard|held-out|widely[- ]used|more|most|harder|difficult|large-scale|real-world|recent|latest|"
    r"established|competitive|comprehensive|diverse)\s+){0,3}"
    # "in different settings of City-3DQA", "on both splits of the X"
    r"(?:(?:(?:different|several|two|three|four|all|both|various|its)\s+)?"
    r"(?:settings|splits|subsets|variants|versions|tracks|tasks|parts)\s+of\s+(?:the\s+)?)?"
    r"(?P<name>(?:[A-Z][\w.&'+]*|[a-z]+[A-Z][\w.+]*)(?:[\s-](?:[A-Z0-9][\w.&'+]*|v\d+))*)"
    r"(?P<kind>\s+(?:dataset|datasets|benchmark|benchmarks|test set|test-dev|val|split|challenge|leaderboard))?")
_BENCHMARK_WORD = re.compile(r"Bench|bench|QA\b|Eval|Arena")
_BENCHMARK_LIKE = re.compile(r"Bench|bench|QA\b|Eval|Arena|Set\b|\d|-v\d")
_ACRONYM = re.compile(r"[A-Z]{3,}$")
_NOT_DATASETS = re.compile(
    r"^(?:[AHVL]\d{2,3}|GPUs?|CPUs?|TPUs?|NVIDIA|SOTA|LLMs?|VLMs?|MLLMs?|LMMs?|GitHub|Hugging|HuggingFace|English|"
    r"Chinese|Windows|Linux|Android|iOS|Average|Table|Figure|STEM|API|APIs|RAM|VRAM|FLOPs|CUDA)\b|"
    # hardware: "from 49% to 61% on Trainium 1" is measured on a chip, not a benchmark
    r"^(?:Trainium|Inferentia|Gaudi|Ascend|Jetson|Snapdragon|Raspberry|Xeon|EPYC|GeForce|RTX|MI\d{3}|Apple)\b|"
    r"^(?:Qwen|LLaMA|Llama|GPT|Mistral|Mixtral|Gemini|Claude|DeepSeek|Gemma|Phi-|BERT|RoBERTa|ViT|ResNet|DeiT|Swin|"
    r"CLIP|T5|OPT|InternVL|LLaVA|Vicuna|Falcon|BLOOM|o1|o3|o4|OLMo|Pythia|Yi|Baichuan|InternLM|MiniCPM|SmolLM|"
    r"Nemotron|Kimi|GLM|ChatGLM|Grok|Hunyuan|SDXL|FLUX|Sora|Stable\s+Diffusion|DiT|SiT|"
    # "from 78.26% to 83.34% on FLAN-T5-base GLUE": the instruction-tuned models, not the FLAN data
    r"FLAN-|Flan-|PaLM|mT5|ByT5|UL2|BART|DeBERTa|ELECTRA|XLNet|ALBERT|DistilBERT)")
# "42.79% in Score Evaluation setting": a way of evaluating, not a benchmark
_A_SETTING = re.compile(r"\s+(?:settings?|modes?|scenarios?)\b")
# "17.2% on our curated Domain-Spreadsheet dataset": measured on it, not trained on it.
_EVALUATED_ON_OURS = re.compile(r"(?<!trained\s)(?<!tuned\s)\bon\s+(?:our|the|their)\s+(?:newly\s+)?"
                                r"(?:curated|collected|built|constructed)\s+$", re.I)
# "We evaluate 18 VLMs on MultiVerse": a name the results were measured on.
_EVALUATED_ON = re.compile(r"\b(?:evaluat\w*|test\w*|benchmark\w*|assess\w*)\s+(?:[\w.\-]+\s+){0,4}?on\s+"
                           r"(?:the\s+)?$", re.I)
_NOT_OPENERS = re.compile(r"^(?:Stage|Phase|Section|Appendix|Step|Part|Round|Experiments?|Practice|Summary|Short|"
                          r"Contrast|Particular|Addition|Total|General|Turn|Conclusion|Comparison|Detail|Fact|"
                          r"Theory|Fig|Tab|Eq|Sec|Our|This|These|Those|Each|Both|All|Some|Many|Most)\b")
_TRAINING_CONTEXT = re.compile(r"(?:pre-?train(?:ed|ing)?|train(?:ed|ing)|fine-?tun(?:ed|ing)|distill(?:ed|ing)|"
                               r"collected|built|constructed|curated|using|from|with)\s+"
                               # "Trained solely on CC12M, DREAM achieves ... an FID of 4.25": CC12M is the training data
                               r"(?:(?:solely|only|exclusively|entirely|purely|jointly|directly)\s+)?"
                               r"(?:(?:based\s+)?on\s+|from\s+)?(?:the\s+)?"  # "post-training based on SRGPO": a method
                               r"(?:large-scale\s+|whole\s+|full\s+)?$", re.I)


_NAMED = r"[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,3}"  # a capitalised name of up to four words
_VALUE_LIST = re.compile(
    rf"\bon\s+(?:the\s+)?(?P<items>(?:{_NAMED}\s*\(\s*[\d.]+\s*%?\s*\)\s*,?\s*"
    r"(?:and\s+)?){2,})(?:datasets|benchmarks|tasks)\b")
# "on MiniF2F-Test (69.8% pass@32), Ineq-Comp-Seed (52.2% pass@32), and Ineq-Comp-Transformed (34.0% pass@32)"
_VALUE_METRIC_LIST = re.compile(
    rf"\bon\s+(?:the\s+)?(?P<items>(?:{_NAMED}\s*\(\s*[\d.]+\s*%?(?:\s+[\w@\-]+){{1,2}}"
    r"\s*\)\s*,?\s*(?:and\s+)?){2,})")
_VALUE_ITEM = re.compile(rf"(?P<name>{_NAMED})\s*\(")
_CHANGE = rf"{_NAMED}\s*\(\s*[\d.]+\s*%?\s*(?:to|->|→)\s*[\d.]+\s*%?\s*\)"
_CHANGE_LIST = re.compile(rf"\bon\s+(?:the\s+)?(?P<items>{_CHANGE}(?:\s*,?\s*(?:and\s+)?{_CHANGE})*)")


@dataclass
class DatasetMention:
    start: int
    end: int
    name: str
    training: bool  # named as training data ("pre-trained on X"), not where a result was measured


def find_dataset_mentions(sentence: str) -> list[DatasetMention]:
    """Known datasets, and "on <Name> benchmark"-like names, in sentence order."""
    spans = [(s, e, n) for s, e, n in find_datasets(sentence)]
    for m in _GENERIC_NAME.finditer(sentence):
        name = re.sub(r"'s$", "", m.group("name")).rstrip(".'")
        s = m.start("name")
        if any(a < s + len(name) and s < b for a, b, _ in spans) or _NOT_DATASETS.match(name) \
                or _A_SETTING.match(sentence, s + len(name)):
            continue
        after_on = m.group("prep").lower() == "on"
        head = sentence[: m.start()]
        opens_clause = not head[max(head.rfind(";"), head.rfind(":")) + 1 :].strip() and re.match(
            r"\s*,", sentence[s + len(name) :]) is not None and not _NOT_OPENERS.match(name)  # "In ALFWorld, it ..."
        if (after_on and (m.group("kind") or _BENCHMARK_LIKE.search(name) or _ACRONYM.match(name))) \
                or _BENCHMARK_WORD.search(name) or opens_clause or (
                after_on and _EVALUATED_ON.search(sentence[max(0, m.start() - 80) : s]) and len(name) > 2):
            spans.append((s, s + len(name), name))
    # "on the Scenery (21.5), Building Facades (25.3) ... datasets", "on StereoSet (57% to 90%) and Contract-NLI
    # (67% to 83%)": names each written with its value in parentheses
    for m in [*_VALUE_LIST.finditer(sentence), *_VALUE_METRIC_LIST.finditer(sentence),
              *_CHANGE_LIST.finditer(sentence)]:
        for item in _VALUE_ITEM.finditer(m.group("items")):
            s = m.start("items") + item.start("name")
            if not any(a <= s < b for a, b, _ in spans) and not _NOT_DATASETS.match(item.group("name")):
                spans.append((s, s + len(item.group("name")), item.group("name")))
    spans.sort()
    return [DatasetMention(s, e, n, bool(_TRAINING_CONTEXT.search(sentence[max(0, s - 40) : s]))
                           and not _EVALUATED_ON_OURS.search(sentence[max(0, s - 40) : s]))
            for s, e, n in spans]


_NAME_TOKEN = re.compile(r"[A-Za-z0-9][\w.+\-/]*[\w+]|[A-Z]")
_NOT_METHODS = re.compile(
    r"^(?:We|Our|The|This|These|That|It|Its|In|On|For|With|Using|When|Compared|Moreover|Furthermore|Notably|"
    r"Specifically|Finally|Additionally|Experimental|Experiments|Results|Extensive|Overall|However|Particularly|"
    r"SOTA|SoTA|LLMs?|VLMs?|MLLMs?|LMMs?|GPUs?|AI|NLP|CV|RL|SFT|CoT|API|FLOPs|MACs|ID|OOD|IR|ASR|QA|VQA|"
    r"I|A|An|As|At|By|To|Of|And|Or|But|So|All|Both|Each|Such|Without|Despite|Among|Across|Aided|Trained|"
    r"Evaluated|Through|Further|Thus|Hence|Also|Code|Project|Codes|Table|Figure|Top|Even|"
    r"\d+(?:\.\d+)?[DdKkMBTx]|\d+(?:\.\d+)?[KMB]-\w+)$")


def is_name(token: str) -> bool:
    """Whether a word looks like a method or model name: "BEiT", "I2P-MAE",
    "LongRAG", "OFA", "Qwen3-14B" (not "We", "SOTA", "Moreover")."""
    if _NOT_METHODS.match(token) or len(token) < 2:
        return False
    core = token.replace("-", "")
    has_upper_inside = any(c.isupper() for c in core[1:])
    has_digit = any(c.isdigit() for c in core) and any(c.isalpha() for c in core)
    return has_upper_inside or (has_digit and core[0].isupper()) or bool(re.fullmatch(r"o\d(?:-[\w]+)*", token))


def name_tokens(text: str) -> list[re.Match]:
    """Word-like tokens of ``text`` (for scanning for names)."""
    return list(_NAME_TOKEN.finditer(text))
