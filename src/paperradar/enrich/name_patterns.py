"""Building blocks of the ``name`` enricher: what looks like a method name,
what is a generic acronym or a common word, abbreviation checks, sentences."""

from __future__ import annotations

import re

#: Generic acronyms and words that are never a paper's own name.
STOP_NAMES = frozenset("""
A An The We Our This These That In On Of For To It Its Is Are Do Does Can How Why What When Which Who
AI AGI ML DL RL IRL NLP NLU NLG CV IR MT NMT MMT SR ASR TTS TTA QA VQA OCR KD SSL CL FL DP HPO NAS
LLM LLMs MLLM MLLMs VLM VLMs LMM LMMs LRM LRMs LM LMs PLM PLMs PTM PTMs SLM SLMs VLA VLAs VLN
GAN GANs CNN CNNs RNN RNNs GNN GNNs DNN DNNs SNN SNNs MLP MLPs LSTM BiLSTM BLSTM VAE VAEs EBM EBMs
BN LN OOD ID IID SOTA PETL PEFT LoRA MoE CoT ToT RLHF RLAIF RLVR DPO PPO GRPO SFT ICL RAG KG KGs
API APIs GPU GPUs CPU TPU FLOPs IoU mIoU AUC AUROC PSNR SSIM LPIPS FID BLEU ROUGE WER CER MSE MAE
RMSE KL SGD NeRF NeRFs 3DGS SDF SLAM LiDAR RGB RGB-D CT MRI EEG ECG fMRI UAV UAVs ADAS ADS SAR
T2I T2V I2V I2I V2V TTI MDP POMDP BO GP GPs SDE ODE PDE PDEs ELBO MCMC HMC PCA SVD KNN SVM
MI RoI RoIs ROI 1D 2D 3D 4D 6D UI GUI CLI SQL JSON HTML PDF URL MD CG DFT QM MM IoT AR VR XR HCI
US USA UK EU GNU AGPL MIT LaTeX GitHub Github HuggingFace Python PyTorch
""".split())

#: Words that open a title but never a name ("Towards ...: ...").
TITLE_STARTERS = frozenset("""
Towards Toward Rethinking Revisiting Beyond Understanding Learning Evaluating Benchmarking Exploring
Improving Scaling When Why How What Can Do Does Is Are Using Make Making Let From Into Through
Unlocking Unleashing Bridging Boosting Enhancing Mitigating Training Testing Measuring Analyzing
Analysing Investigating Assessing Probing Leveraging Harnessing Efficient Towards On Not All No One
""".split())

_ORDINARY_PART = re.compile(r"^[A-Z]?[a-z]+$")
_WORD_TOKEN = re.compile(r"[^\s,;:()\[\]\"“”‘’']+")
_FIRST_PERSON = re.compile(r"\b(?:we|our|this (?:paper|work|study|article|report)|here)\b", re.I)
TRIGGER = re.compile(r"\b(?:propos|present|introduc|develop|design|build|devis|construct|formulat"
                     r"|establish|creat|releas|offer)(?:e|es|ed|ing|s)?\b", re.I)
_LATEX_MACRO = re.compile(r"\\[A-Za-z]+\s*\{([^{}]*)\}")
_ADDRESS = re.compile(r"\S*(?:://|www\.|\.(?:com|org|io|ai|net|co)/)\S*|\S+\.github\.io\S*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(\\$])")


def clean_latex(text: str) -> str:
    """``$\\mathcal{Y}$-Tuning`` -> ``Y-Tuning``, ``X^{2}`` -> ``X^2``, ``\\textbf{D}eep`` -> ``Deep``."""
    if "\\" not in text and "$" not in text and "{" not in text:
        return text
    for _ in range(3):
        text = _LATEX_MACRO.sub(r"\1", text)
    text = re.sub(r"\^\{(\w+)\}", r"^\1", text)
    text = re.sub(r"\\[A-Za-z]+\b\s*", "", text)
    return text.replace("$", "").replace("{", "").replace("}", "")


def sentences(text: str) -> list[str]:
    """The text cut into sentences (good enough for abstracts)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def is_strict_name(token: str) -> bool:
    """Looks like a coined name on its own: an inner capital, a digit next to
    letters, an all-caps part or a lone capital (BEiT, GEN3C, LVM-Med, DiG,
    B-cosification, ωTest) -- not an ordinary (capitalised) word."""
    token = token.strip(".")
    if len(token) < 2 or not re.search(r"[A-Za-z]", token) or token in STOP_NAMES:
        return False
    if not re.fullmatch(r"[^\W_][\w.+^'’-]*", token) or "_" in token:  # (non-)Abelian, CeAg_2Ge_2
        return False
    if re.fullmatch(r"[\d.,%x×-]+[A-Za-z]?", token):  # numbers, sizes, "10x"
        return False
    if re.fullmatch(r"[A-Z]?[a-z]+s?(?:-[a-z]+)*", token):
        return False
    if not re.search(r"[A-Z]", token) and not re.search(r"[^\x00-\x7f]", token):
        return False
    parts = [p for p in re.split(r"[-_]", token) if p]
    if any(not _ORDINARY_PART.match(p) and p not in STOP_NAMES for p in parts):
        return True
    # "LMM-Searcher" is a name, "AI-driven" and "3D-aware" are not.
    return any(p in STOP_NAMES for p in parts) and all(p in STOP_NAMES or p[0].isupper() for p in parts)


def is_capitalised_word(token: str) -> bool:
    """An ordinary capitalised word or hyphenated run (Morphy, Adapt-then-Unlearn)."""
    return bool(re.fullmatch(r"[A-Z][a-z]+(?:-[A-Za-z]+)*", token)) and token not in STOP_NAMES


def used_as_common_word(word: str, text: str) -> bool:
    """True when ``word`` also appears in lowercase in ``text`` (testing,
    transformers), addresses aside (vinoground.github.io)."""
    return uses_word(_ADDRESS.sub(" ", text), word.lower())


def uses_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` as a whole word (case-sensitive)."""
    return bool(re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text))


def is_abbreviation(short: str, long: str) -> bool:
    """Schwartz & Hearst: ``short`` abbreviates ``long`` when its letters
    appear in order, right to left, its first letter starting a word
    (RBN <- Regularized BN, EpmVG <- Empowering pre-trained model for Visual
    Grounding). Falls back to: its capitals are initials of ``long``'s words
    (PromptGen <- Generative Visual Prompt)."""
    s = [c.lower() for c in short if c.isalnum()]
    text = long.lower()
    if len(s) < 2 or not s[0].isalpha() or "(" in long or ")" in long:
        return False
    si, li = len(s) - 1, len(text) - 1
    while si >= 0:
        c = s[si]
        while li >= 0 and (text[li] != c or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return _capitals_are_initials(short, long)
        si -= 1
        li -= 1
    return True


def _capitals_are_initials(short: str, long: str) -> bool:
    capitals = [c for c in short if c.isupper()]
    initials = {w[0] for w in re.findall(r"[A-Za-z]+", long)}
    return len(capitals) >= 2 and all(c in initials for c in capitals)


def long_form_before(text: str, end: int, short: str, max_words: int = 10) -> str | None:
    """The shortest run of words ending at ``end`` that ``short``
    abbreviates (None when there is none)."""
    words = list(_WORD_TOKEN.finditer(text[:end]))
    for n in range(1, min(max_words, len(words)) + 1):
        candidate = text[words[-n].start():end].strip()
        if is_abbreviation(short, candidate):
            return candidate
    return None


def first_person(sentence: str) -> bool:
    """The sentence speaks about the paper's own work (we, our, this paper)."""
    return bool(_FIRST_PERSON.search(sentence))
