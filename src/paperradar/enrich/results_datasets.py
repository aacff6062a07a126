"""Benchmarks and datasets the ``results`` enricher recognises by name, and
the key leaderboards group them by (``"ImageNet 1k"`` -> ``"imagenet-1k"``)."""

from __future__ import annotations

import re
from functools import lru_cache

# Names as papers write them. Separators between parts match loosely
# ("ImageNet-1K" also finds "ImageNet 1k", "ImageNet1K"); case does not matter
# except for the names in _EXACT_CASE, which are also ordinary words.
_NAMES = """
ImageNet-1K|ImageNet-22K|ImageNet-21K|ImageNet-V2|ImageNet-A|ImageNet-R|ImageNet-C|ImageNet-Sketch|ImageNet|
ObjectNet|CIFAR-10|CIFAR-100|10-Split-CIFAR-100|Split-CIFAR100|MNIST|Fashion-MNIST|SVHN|STL-10|Tiny-ImageNet|
iNaturalist|Places365|Food-101|Oxford Pets|Oxford-IIIT Pets|Flowers-102|Oxford Flowers|Stanford Cars|CUB-200|
Caltech-101|EuroSAT|FGVC Aircraft|SUN397|VTAB-1K|VTAB|ModelNet40|ScanObjectNN|ShapeNetPart|ShapeNet|CoRe50|
MS-COCO|MSCOCO|COCO|LVIS|Pascal VOC|PASCAL VOC 2012|ADE20K|Cityscapes|Mapillary Vistas|KITTI|nuScenes|
Waymo Open|SemanticKITTI|ScanNet200|ScanNet|S3DIS|NYUv2|NYU Depth V2|Objects365|Open Images|CrowdHuman|DAVIS 2017|
DAVIS|YouTube-VOS|MOT17|MOT20|LaSOT|GOT-10k|TrackingNet|RefCOCOg|RefCOCO\\+|RefCOCO|Flickr30K|MVTec AD|MVTec|VisA|
LiTS|BraTS|KiTS|ISIC|CheXpert|MIMIC-CXR|ChestX-ray14|Cambridge Landmarks|7-Scenes|Kinetics-400|Kinetics-600|
Kinetics-700|Kinetics-710|Something-Something V2|SSv2|UCF-101|UCF101|HMDB-51|HMDB51|ActivityNet|Charades|MSR-VTT|
MSVD|DiDeMo|Video-MME|VideoMME|MVBench|EgoSchema|LongVideoBench|NExT-QA|Ego4D|EPIC-Kitchens|CelebA-HQ|CelebA|FFHQ|
LSUN|AFHQ|GenEval|T2I-CompBench|DPG-Bench|VBench|DrawBench|Set5|Set14|BSD100|Urban100|Manga109|DIV2K|GoPro|
SIDD|Rain100L|Rain100H|SuperGLUE|GLUE|SQuAD 2.0|SQuAD v2|SQuAD 1.1|SQuAD|MNLI|SST-2|QNLI|QQP|CoLA|MRPC|STS-B|BoolQ|
HellaSwag|PIQA|WinoGrande|ARC-Challenge|ARC-Easy|OpenBookQA|CommonsenseQA|MMLU-Pro|MMLU|BBH|BIG-Bench Hard|
BIG-Bench|TriviaQA|Natural Questions|HotpotQA|WebQuestions|TruthfulQA|XSUM|CNN/DailyMail|CNN/DM|WMT14|WMT16|
WMT19|WMT20|IWSLT|FLORES-200|FLORES|LAMBADA|WikiText-103|WikiText-2|Penn Treebank|enwik8|text8|The Pile|
CoNLL-2003|CoNLL|OntoNotes|IMDB|Yelp|AG News|DBpedia|XNLI|PAWS|MultiRC|ReCoRD|MS MARCO|BEIR|LongBench|RULER|
needle in a haystack|AlpacaEval 2.0|AlpacaEval|MT-Bench|Arena-Hard|Chatbot Arena|IFEval|GPQA Diamond|GPQA|SuperGPQA|
Humanity's Last Exam|NQ|AIME 2024|AIME 2025|AIME24|AIME25|AIME|AMC23|AMC|MATH-500|MATH500|MATH|GSM8K|SVAMP|MathVista|
MathVision|MathVerse|OlympiadBench|HumanEval\\+|HumanEval|MBPP\\+|MBPP|LiveCodeBench|SWE-bench Verified|
SWE-bench Lite|SWE-bench|Multi-SWE|Codeforces|CodeContests|DS-1000|Devign|Vul4J|VJBench|WebArena-Lite-v2|WebArena-Lite|
WebArena|Mind2Web|OSWorld-G|OSWorld|ScreenSpot-Pro|ScreenSpot-v2|ScreenSpot|AndroidWorld|GAIA|WebWalker|
BrowseComp|BFCL|ALFWorld|VirtualHome|MiniWoB\\+\\+|MMMU-Pro|MMMU|MMBench-GUI|MMBench|MME|SEED-Bench|POPE|
VQAv2|VQA v2|VQA-X|GQA|TextVQA|DocVQA|ChartQA|InfoVQA|AI2D|OCRBench|NLVR2|OK-VQA|ScienceQA|VizWiz|
MMLongBench-Doc|MM-Vet|HallusionBench|RealWorldQA|OVO-Bench|StreamingBench|PubMedQA|MedQA|MedMCQA|VQA-RAD|
SLAKE|PathVQA|LibriSpeech|Common Voice|TED-LIUM|Switchboard|AISHELL-1|VoxCeleb1|VoxCeleb2|VoxCeleb|AudioSet|
ESC-50|VCTK|LJSpeech|LRS2|LRS3|GigaSpeech|FLEURS|Atari 100k|D4RL|DMControl|Meta-World|LIBERO|CALVIN|RLBench|
SimplerEnv|RoboCasa|RoboTwin 2.0|RoboTwin|nuPlan|CARLA|ogbn-arxiv|ogbn-products|ogbn-proteins|Cora|Citeseer|ZINC|QM9|MoleculeNet|
ETTh1|ETTh2|ETTm1|ETTm2|Long Range Arena|PathX-256|Path-X|DomainBed|PACS|OfficeHome|Office-Home|VLCS|DomainNet|
TerraIncognita|WILDS|CSI 300|CSI 500|S&P 500|ERQA|PhysBench|MILANNOTATIONS|CC3M|PERSONA-CHAT|TicketTalk|
LogiQA 2.0|LogiQA|ReClor|Spider 2.0|Spider|BIRD|WikiSQL|AdvBench|HarmBench|JailbreakBench|StrongREJECT|XSTest|
Terminal-Bench|BigCodeBench|CRUXEval|APPS|MultiPL-E|LiveBench|MMStar|We-Math|DynaMath|ReasonSeg|C-Eval|CMMLU|
AGIEval|WebShop|ScienceWorld|AppWorld|InterCode|VisualWebArena|WorkArena|StereoSet|CrowS-Pairs|BBQ|ToxiGen|
RealToxicityPrompts|DAIC-WOZ|MIMIC-III|MIMIC-IV|SWE-bench Multimodal|Multi-SWE-bench|HumanEval-X|MathQA|
ARC-AGI|ARC-AGI-2|FrontierMath|SimpleQA|MedXpertQA|MuSR|DROP|RACE|Winogrande|StrategyQA|ANLI|COPA|WiC|WSC|
MiniF2F|ProofNet|PutnamBench|ProverBench|FormalMATH|PRMBench|ProcessBench|HMMT 2025|HMMT 2024|HMMT25|HMMT24|HMMT|
AndroidLab|AndroidControl|OmniDocBench|olmOCR-Bench|MTEB|C-MTEB|HumanML3D|KIT-ML|VerilogEval|RTLLM|WebVoyager|
MLE-bench|BLINK|LiveCodeBench Pro|SciCode|USACO|TAU-bench|BrowseComp-Plus|
RewardBench|RM-Bench|WildBench|EvalPlus|ToolBench|API-Bank|NaturalCodeBench|CharXiv|MMVet|
MMMU-val|MathArena|OmniMath|Omni-MATH|KOR-Bench|ZebraLogic|BabyAI|Crafter|Craftax|NetHack|MineDojo|ProcGen
"""

#: Names that are also ordinary words or common acronyms: matched in this exact case only.
_EXACT_CASE = {"MATH", "MATH-500", "MATH500", "GAIA", "PACS", "MME", "POPE", "RULER", "BEIR", "AMC", "AIME",
               "Spider", "BIRD", "APPS", "BBQ", "DROP", "RACE", "COPA", "WiC", "WSC", "MultiPL-E",
               "LSUN", "COCO", "DAVIS", "CARLA", "CALVIN", "LIBERO", "SLAKE", "IMDB", "CoLA", "ReCoRD", "ZINC",
               "Cora", "Yelp", "PAWS", "IWSLT", "FLORES", "Switchboard", "ERQA", "GoPro", "GQA", "BBH", "QQP", "NQ",
               "BLINK", "Crafter"}


def _loose(name: str) -> str:
    """Regex for a name whose parts may be joined by '-', ' ', '_' or nothing."""
    if "\\" in name:
        return name
    parts = re.split(r"[-\s]+", name)
    return r"[-\s_]?".join(re.escape(p) for p in parts)


@lru_cache(maxsize=1)
def dataset_regex() -> re.Pattern:
    """A regex matching any known dataset or benchmark name, longest names first."""
    names = [n.strip() for n in _NAMES.replace("\n", "").split("|") if n.strip()]
    names.sort(key=len, reverse=True)
    alternatives = []
    for name in names:
        body = _loose(name)
        alternatives.append(body if name in _EXACT_CASE else f"(?i:{body})")
    # A known name with a short variant suffix is that variant ("BrowseComp-zh", "ImageNet-LT", "CIFAR-10-C").
    # A version written after a space belongs to the name too ("ARC-AGI 1", "Terminal-Bench 2.0", "LiveBench v2").
    variant = (r"(?:-(?:[A-Z0-9][A-Za-z0-9]{0,3}|zh|en|cn|de|fr|es|ja|ko|ru|ar|v\d+))?"
               r"(?:\s(?:v\d+(?:\.\d+)?|\d\.\d|[1-9])(?![\w.%]|\s*%|\s*(?:points?|percent)\b))?")
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)}){variant}(?![\w+]|-\w)")


# Spellings of one dataset that normalisation alone would not join.
_ALIASES = {
    "mscoco": "coco", "ms-coco": "coco", "coco-2017": "coco", "imagenet-2012": "imagenet-1k",
    "ilsvrc-2012": "imagenet-1k", "in-1k": "imagenet-1k", "imagenet1k": "imagenet-1k",
    "cnn-dm": "cnn-dailymail", "ucf-101": "ucf101", "hmdb-51": "hmdb51", "math500": "math-500",
    "squad-v2": "squad-2.0", "office-home": "officehome", "path-x": "pathx", "nq": "natural-questions",
    "hle": "humanitys-last-exam", "mvtec": "mvtec-ad", "niah": "needle-in-a-haystack", "video-mme": "videomme",
}
_TRAILING = re.compile(r"(?:[-\s]+(?:dataset|datasets|benchmark|benchmarks|test[-\s]set|validation[-\s]set|"
                       r"val[-\s]set|dev[-\s]set|test[-\s]split|split|challenge|leaderboard|suite|corpus|"
                       r"test-dev|val|validation|test|full-wiki|\(full-wiki\)))+$", re.I)


def dataset_key(name: str | None) -> str:
    """The key leaderboards group a dataset by: lower case, one spelling.

    "ImageNet-1K", "ImageNet 1k" and "ImageNet1K" all give "imagenet-1k";
    "COCO test-dev" and "MS-COCO" give "coco". Splits (test-dev, val) and
    words like "dataset" or "benchmark" are dropped; resolutions too.
    """
    text = (name or "").strip()
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
    text = re.sub(r"\(([^()]*)\)", r" \1 ", text)
    for _ in range(2):
        text = _TRAILING.sub("", text.strip())
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[\s_/]+", "-", text)
    text = re.sub(r"[^a-z0-9.+&@-]", "", text)
    text = re.sub(r"-\d+-?x-?\d+$", "", text)  # "ImageNet 224 x 224"
    text = re.sub(r"(?<=[a-z])v(\d+)$", r"-v\1", text)  # "VQAv2" / "VQA v2"
    text = re.sub(r"(?<=[a-z]{2})(?=\d)", "-", text)  # "CIFAR10" / "CIFAR 10"
    text = re.sub(r"-+", "-", text).strip("-.")
    text = re.sub(r"^aime-20(\d\d)$", r"aime-\1", text)
    text = _ALIASES.get(text, text)
    text = _ALIASES.get(text.replace("-", ""), text)
    return text


def find_datasets(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name as written) of every known dataset named in ``text``."""
    return [(m.start(), m.end(), m.group(0)) for m in dataset_regex().finditer(text)]
