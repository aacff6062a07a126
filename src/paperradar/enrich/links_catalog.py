"""Known dataset/benchmark names and model families, with their spellings.

Entries are separated by `` | `` or new lines: ``Canonical: variant;
variant; re:regex``. The canonical name is itself a variant. Matching is
case-sensitive and on word boundaries (see ``links_mentions``), so ambiguous
words are listed only in forms that are not ordinary English ("MATH-500" but not "MATH"; "Kinetics-400" but not
"Kinetics"; "OPT-66B" but not "OPT"). Lookup keys are the canonical name in
lowercase ("dataset:imagenet-1k").
"""

from __future__ import annotations

import re

DATASETS = r"""
ImageNet: Imagenet; ILSVRC; ILSVRC-2012; ILSVRC2012
ImageNet-1K: ImageNet-1k; ImageNet1K; ImageNet1k; IN-1K; IN-1k; ImageNet-1K (ILSVRC)
ImageNet-21K: ImageNet-21k; ImageNet21K; IN-21K | ImageNet-22K: ImageNet-22k; ImageNet22K; IN-22K
ImageNet-V2: ImageNetV2; ImageNet-v2 | ImageNet-R: ImageNet-Rendition | ImageNet-A | ImageNet-C
ImageNet-Sketch | Tiny ImageNet: Tiny-ImageNet; TinyImageNet | CIFAR-10: CIFAR10; Cifar-10; Cifar10
CIFAR-100: CIFAR100; Cifar-100; Cifar100 | MNIST | Fashion-MNIST: FashionMNIST; Fashion MNIST | SVHN
STL-10: STL10 | COCO: MS-COCO; MSCOCO; MS COCO; Microsoft COCO | COCO-Stuff | LVIS | Objects365
Open Images: OpenImages | Pascal VOC: PASCAL VOC; VOC2007; VOC2012; PASCAL-VOC | Cityscapes: CityScapes
ADE20K: ADE20k; ADE-20K | Places365: Places-365 | CelebA | CelebA-HQ: CelebAHQ | FFHQ | LSUN | AFHQ
LAION-5B | LAION-400M | LAION-Aesthetics | CC3M: Conceptual Captions; CC-3M | CC12M: CC-12M | DataComp
Visual Genome | Flickr30k: Flickr30K; Flickr-30k | RefCOCO | RefCOCO+ | RefCOCOg
VQAv2: VQA v2; VQA-v2; VQAv2.0 | GQA | TextVQA | OK-VQA: OKVQA | ScienceQA | DocVQA | ChartQA | NLVR2
Winoground | MMMU | MMBench | MathVista | SEED-Bench | POPE | Video-MME | MVBench
T2I-CompBench: T2I-CompBench++ | GenEval | DrawBench | VBench | MSR-VTT: MSRVTT
ActivityNet: ActivityNet Captions | Kinetics-400: K400; Kinetics400 | Kinetics-600: Kinetics600
Kinetics-700: Kinetics700 | Kinetics-710 | Something-Something V2: Something-Something-V2; SSv2; SSV2
UCF101: UCF-101 | HMDB51: HMDB-51 | Ego4D | EPIC-KITCHENS: EPIC-Kitchens | KITTI | SemanticKITTI
nuScenes: NuScenes | Waymo Open Dataset | ScanNet | ScanNet++ | ShapeNet | ModelNet40 | ScanObjectNN
Objaverse | Tanks and Temples | LLFF | Mip-NeRF 360: MipNeRF360; Mip-NeRF360 | Human3.6M | 3DPW | AMASS
DAVIS | YouTube-VOS | MOT17 | LaSOT | MVTec AD: MVTec-AD; MVTecAD | Cambridge Landmarks | 7-Scenes
DomainBed | WILDS | iNaturalist | Food-101: Food101 | Stanford Cars | CUB-200-2011: CUB-200; CUB200
EuroSAT | JFT-300M | GLUE | SuperGLUE | SQuAD: SQuAD 1.1; SQuAD1.1; SQuAD v1.1
SQuAD 2.0: SQuAD2.0; SQuAD v2.0 | MMLU | MMLU-Pro | GSM8K: GSM8k; GSM-8K | MATH-500: MATH500 | HumanEval
HumanEval+ | MBPP | LiveCodeBench | SWE-bench: SWE-Bench | SWE-bench Verified
BIG-Bench: BIG-bench; BigBench | BBH: BIG-Bench Hard | HellaSwag | WinoGrande: Winogrande | PIQA | BoolQ
ARC-Challenge: ARC-C | ARC-Easy: ARC-E | ARC-AGI | TruthfulQA | TriviaQA
Natural Questions: NaturalQuestions | HotpotQA | MuSiQue | 2WikiMultiHopQA | MS MARCO: MS-MARCO; MSMARCO
BEIR | MTEB | KILT | GPQA: GPQA-Diamond; GPQA Diamond | AIME 2024: AIME2024; AIME24; AIME'24
AIME 2025: AIME2025; AIME25; AIME'25 | OlympiadBench | AlpacaEval: AlpacaEval 2.0 | MT-Bench | Arena-Hard
IFEval | LongBench | RULER | BrowseComp | GAIA | WebArena | OSWorld | ALFWorld | ToolBench | BFCL | HH-RLHF
UltraFeedback | ShareGPT | The Pile | RedPajama | FineWeb | OpenWebText | WikiText-103: WikiText103
WikiText-2 | Penn Treebank | LAMBADA | CoNLL-2003 | XNLI | IMDB | ChemProt | SST-2 | AG News
Flores-101: FLORES-101 | FLORES-200: Flores-200 | WMT14: WMT'14; WMT 2014 | LibriSpeech: Librispeech
LibriTTS | LibriHeavy: Libriheavy | LibriLight: Libri-Light | Common Voice: CommonVoice
VoxCeleb: VoxCeleb1; VoxCeleb2 | AudioSet | AudioCaps | Clotho | ESC-50 | LJSpeech | VCTK | GigaSpeech
WenetSpeech | AISHELL-1 | LRS2 | LRS3 | MUSDB18 | LIBERO | SimplerEnv | CALVIN | Open X-Embodiment | RLBench
Meta-World | D4RL | OGB | Materials Project: Material Project | QM9 | MoleculeNet | MIMIC-III | MIMIC-CXR
CheXpert | BraTS
"""

MODELS = r"""
GPT-2: GPT2 | GPT-3: GPT3 | GPT-3.5: GPT-3.5-turbo; GPT-3.5 Turbo | GPT-4: GPT4; GPT-4 Turbo
GPT-4o: GPT4o; GPT-4o-mini | GPT-4V: GPT-4V(ision) | GPT-5 | ChatGPT | InstructGPT | Codex
DALL-E: DALL·E; DALLE; DALL-E 2; DALL-E 3 | Sora | Veo: re:Veo ?\d(?:\.\d)? | Whisper | CLIP: OpenCLIP
BLIP | BLIP-2: BLIP2 | InstructBLIP | LLaVA: LLaVA-1.5; LLaVA-NeXT | MiniGPT-4 | Flamingo
PaLM: PaLM 2; PaLM-2 | PaLI | Gemini: re:Gemini(?: ?\d(?:\.\d)?)?(?: (?:Pro|Flash|Ultra))?
Gemma: re:Gemma ?\d? | LaMDA | T5: mT5; Flan-T5; FLAN-T5 | BERT | CodeBERT | RoBERTa | ALBERT | CodeBERT
DistilBERT | CodeBERT | DeBERTa: DeBERTaV3; DeBERTa-v3 | ELECTRA | XLNet | XLM-R: XLM-RoBERTa | BART | mBART
M2M-100: M2M100 | NLLB: NLLB-200 | LLaMA: LLaMa; LLAMA; Llama; re:LLaMA-\d+B
Llama 2: Llama-2; LLaMA-2; LLaMA 2; Llama2; LLaMA2; LLAMA2
Llama 3: Llama-3; LLaMA-3; LLaMA 3; Llama3; LLaMA3 | Llama 3.1: Llama-3.1; LLaMA-3.1; Llama3.1; LLaMA3.1
Vicuna | Alpaca | Mistral: re:Mistral(?:-| )7B | Mixtral | Qwen | Qwen2 | Qwen2.5 | Qwen3 | Qwen-VL
Qwen2-VL | Qwen2.5-VL | Qwen3-VL | DeepSeek-V3 | DeepSeek-R1 | Phi-2 | Phi-3 | Phi-4
Falcon: re:Falcon-\d+B | OPT: re:OPT-\d+(?:\.\d+)?[BM]; re:OPT \d+B | BLOOM
Claude: re:Claude(?: \d(?:\.\d)?)?(?: (?:Sonnet|Opus|Haiku))? | InternLM | InternVL | InternViT | ChatGLM
StarCoder | Code Llama: CodeLlama | OLMo | Pythia | GPT-J | GPT-NeoX | RWKV | Mamba
Stable Diffusion: re:Stable Diffusion(?: v?\d(?:\.\d)?)?; SD1.5; SD 1.5 | SDXL: Stable Diffusion XL
Stable Diffusion 3: SD3; SD 3 | Stable Diffusion 3.5: SD3.5; SD 3.5 | FLUX: re:FLUX\.1(?:-[A-Za-z]+)*
Imagen | Midjourney | DiT | ViT: ViTs; Vision Transformer; re:ViT-[SBLHG](?:/\d+)? | DeiT
Swin Transformer: Swin; re:Swin-[TSBL] | ConvNeXt | ResNet: re:ResNet-?\d+ | VGG: VGGNet; re:VGG-?\d+
AlexNet | EfficientNet: re:EfficientNet-[Bb]\d | MobileNet: MobileNets; MobileNetV2; MobileNetV3
YOLO: re:YOLOv\d+ | DETR | Segment Anything: SAM 2; Segment Anything Model | DINOv2 | SimCLR | BYOL | SwAV
DeepCluster: DeepClusterV2; DeepCluster-v2 | MoCo | wav2vec 2.0: wav2vec2 | HuBERT | CodeBERT | VALL-E
XTTS: XTTSv2; XTTS-v2 | OpenVLA | Octo | RT-2 | π0: Pi-0; pi0; π_0 | GR00T: GR00T N1
AlphaFold: AlphaFold2; AlphaFold 2; AlphaFold3 | ESM-2 | Word2Vec: word2vec | GloVe | ELMo | U-Net: UNet
"""


def parse_catalog(table: str) -> list[tuple[str, list[str]]]:
    """Entries of a catalog table: (canonical, [variants]) with the
    canonical name first; variants starting with ``re:`` are regexes."""
    entries = []
    for item in re.split(r"\s+\|\s+|\n", table):
        item = item.strip()
        if not item:
            continue
        canonical, _, rest = item.partition(": ")
        variants = [canonical.strip()] + [v.strip() for v in rest.split("; ") if v.strip()]
        entries.append((canonical.strip(), variants))
    return entries


def catalog_names() -> frozenset[str]:
    """Every literal spelling of every dataset and model in the catalog."""
    names: set[str] = set()
    for table in (DATASETS, MODELS):
        for _, variants in parse_catalog(table):
            names.update(v for v in variants if not v.startswith("re:"))
    return frozenset(names)
