"""Metric vocabulary of the ``results`` enricher: the names abstracts give
metrics, their canonical form, and which way is better. Pure data."""

from __future__ import annotations

import re
from functools import lru_cache

# (canonical name, long forms matched in any case, acronyms matched exactly,
#  lower is better). Regex fragments; no capturing groups.
_METRICS: list[tuple[str, str, str, bool]] = [
    ("top-1 error", r"top[- ]?1\s+(?:test\s+)?error(?:\s+rates?)?", "", True),
    ("top-1 accuracy", r"top[- ]?1(?:\s+(?:classification\s+|test\s+)?acc(?:uracy|\.))?", "", False),
    ("top-5 accuracy", r"top[- ]?5(?:\s+acc(?:uracy|\.))?", "", False),
    ("accuracy", r"(?:(?:balanced|mean|average|overall|test|classification|zero[- ]shot|linear[- ]prob(?:e|ing)|"
                 r"fine[- ]tuning|answer|automatic(?:\s+solution)?|picking|detection|recognition)\s+)?"
                 r"acc(?:uracy|uracies|\.)(?:\s+rates?)?", "Acc", False),
    ("exact match", r"exact[- ]match(?:\s+\(EM\))?", "EM", False),
    ("F1", r"(?:macro|micro|weighted)[- ]?F1(?:[- ]scores?)?|F1[- ](?:scores?|measure)|F[- ](?:score|measure)",
     "F1", False),
    ("Dice", r"Dice\s+(?:coefficient|score|similarity coefficient)s?", "Dice|DSC", False),
    ("BLEU", r"(?:sacre)?BLEU(?:-4)?(?:\s+scores?)?", "", False),
    ("chrF", r"chrF\+{0,2}", "", False),
    ("COMET", "", "COMET", False),
    ("TER", "", "TER", True),
    ("ROUGE-1", r"ROUGE-1", "R-1", False),
    ("ROUGE-2", r"ROUGE-2", "R-2", False),
    ("ROUGE-L", r"ROUGE-L(?:sum)?", "R-L", False),
    ("ROUGE", r"ROUGE(?:\s+scores?)?", "", False),
    ("METEOR", "", "METEOR", False),
    ("CIDEr", r"CIDEr(?:-D)?(?:\s+scores?)?", "", False),
    ("SPICE", "", "SPICE", False),
    ("BERTScore", r"BERTScore", "", False),
    ("box AP", r"(?:box|bbox|detection)\s+m?AP", r"AP\^?\{?box\}?|APbox", False),
    ("mask AP", r"(?:mask|segmentation)\s+m?AP", r"AP\^?\{?mask\}?|APmask", False),
    ("mAP", "", r"mAP(?:@[.0-9:]+)?", False),
    ("AP", "", r"AP(?:50|75|_\{?(?:50|75|S|M|L)\}?)?", False),
    ("mIoU", r"mean\s+IoU|mean\s+intersection[- ]over[- ]union", "mIoU", False),
    ("IoU", "", "IoU", False),
    ("PQ", "", "PQ", False),
    ("NDS", "", "NDS", False),
    ("J&F", "", r"J\s?&\s?F", False),
    ("FID", r"Fr[eé]chet Inception Distance", r"FID", True),
    ("FVD", "", "FVD", True),
    ("KID", "", "KID", True),
    ("inception score", r"inception\s+scores?", "IS", False),
    ("CLIP score", r"CLIP[- ]?scores?", "", False),
    ("PSNR", r"PSNR", "", False),
    ("SSIM", r"(?:MS-)?SSIM", "", False),
    ("LPIPS", r"LPIPS", "", True),
    ("WER", r"word\s+error\s+rates?", "WER", True),
    ("CER", r"character\s+error\s+rates?", "CER", True),
    ("EER", r"equal\s+error\s+rates?", "EER", True),
    ("error rate", r"(?:test\s+|classification\s+)?error\s+rates?|(?:test|classification)\s+error", "", True),
    ("perplexity", r"perplexit(?:y|ies)", "PPL", True),
    ("bits per dim", r"bits[- ]per[- ]dim(?:ension)?", "bpd", True),
    ("BPC", r"bits[- ]per[- ]character", "BPC", True),
    ("NLL", r"negative\s+log[- ]likelihood", "NLL", True),
    ("AUROC", r"AUROC|AUC-ROC|ROC-AUC", "", False),
    ("AUPRC", r"AUPRC|AUPR|PR-AUC", "", False),
    ("AUC", r"area\s+under\s+(?:the\s+)?(?:ROC\s+)?curve(?:\s+\(AUC\))?", "AUC", False),
    *[(f"pass@{k}", f"pass@{k}", "", False) for k in (1, 2, 3, 4, 5, 8, 10, 16, 32, 64, 100, 128, 256, 1024)],
    ("Elo", r"Elo(?:\s+(?:rating|score))?", "", False),
    ("win rate", r"(?:LC\s+|length[- ]controlled\s+)?win[- ]rates?", "WR", False),
    ("attack success rate", r"attack\s+success\s+rates?", "ASR", False),
    ("success rate", r"(?:task\s+)?success\s+rates?", "SR", False),
    ("solve rate", r"solv(?:e|ing)\s+rates?|resolved?\s+rates?|fix\s+rates?|pass\s+rates?", "", False),
    ("recall@k", r"(?:answer\s+)?recall@\d+", r"R@\d+", False),
    ("NDCG", r"NDCG(?:@\d+|\s+at\s+\d+)?", "", False),
    ("MRR", "", r"MRR(?:@\d+)?", False),
    ("hit rate", r"hit\s+rates?(?:@\d+)?", r"HR@\d+", False),
    ("precision", r"precision(?:@\d+)?", "", False),
    ("recall", r"recall", "", False),
    ("sensitivity", r"sensitivity", "", False),
    ("specificity", r"specificity", "", False),
    ("MAE", r"mean\s+absolute\s+errors?", "MAE", True),
    ("RMSE", r"root\s+mean\s+squared?\s+errors?", "RMSE", True),
    ("MSE", r"mean\s+squared?\s+errors?", "MSE", True),
    ("Chamfer distance", r"Chamfer\s+distances?", "", True),
    ("EPE", r"end[- ]point\s+errors?", "EPE", True),
    ("MOS", r"mean\s+opinion\s+scores?", "MOS", False),
    ("PESQ", "", "PESQ", False),
    ("Spearman correlation", r"Spearman(?:'s)?(?:\s+(?:rank\s+)?correlation|\s+rho)?", "", False),
    ("Pearson correlation", r"Pearson(?:'s)?\s+correlation", "", False),
    ("IC", r"information\s+coefficient", "IC", False),
    ("ARR", r"annuali[sz]ed\s+(?:rate\s+of\s+)?returns?", "ARR", False),
    ("MDD", r"max(?:imum)?\s+drawdown", "MDD", True),
    ("Sharpe ratio", r"Sharpe\s+ratio", "", False),
    ("captioning score", r"captioning\s+scores?", "", False),
    ("average score", r"(?:average|avg\.?|mean|overall)\s+scores?", "", False),
    ("score", r"scores?", "", False),
]

#: Metrics too generic to make a claim on their own: they need a named dataset.
GENERIC_METRICS = frozenset({"score", "average score", "accuracy", "precision", "recall", "error rate",
                             "success rate", "sensitivity", "specificity"})

_LOWER_IS_BETTER = {name for name, _, _, low in _METRICS if low}
_LOWER_WORDS = re.compile(r"\b(?:error|loss|distance|fid|fvd|kid|wer|cer|eer|perplexity|latency|drawdown"
                          r"|lpips|rmse|mse|mae|nll|bpd|bpc)\b", re.I)


def lower_is_better(metric: str | None) -> bool:
    """True when a smaller value of ``metric`` is the better result (FID, WER, error...)."""
    if not metric:
        return False
    return metric in _LOWER_IS_BETTER or bool(_LOWER_WORDS.search(metric))


@lru_cache(maxsize=1)
def metric_regex() -> tuple[re.Pattern, list[str]]:
    """One compiled regex for every metric name, and the canonical name per named group."""
    parts: list[str] = []
    names: list[str] = []
    for name, any_case, exact in ((n, a, e) for n, a, e, _ in _METRICS):
        for fragment in (f"(?i:{any_case})" if any_case else "", exact):
            if fragment:
                parts.append(f"(?P<m{len(parts)}>{fragment})")
                names.append(name)
    return re.compile(rf"(?<![\w@&-])(?:{'|'.join(parts)})(?![\w@]|-\w)"), names


def metric_of(match: re.Match, names: list[str]) -> str:
    """The canonical metric name of a ``metric_regex()`` match (``recall@k`` with its k)."""
    name = names[int(match.lastgroup[1:])]
    at_k = re.search(r"(?:@|\sat\s)(\d+)", match.group(0))
    if name in ("recall@k", "NDCG", "MRR", "hit rate", "precision") and at_k:
        return f"{name.removesuffix('@k')}@{at_k.group(1)}"
    return name


def find_metrics(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of every metric named in ``text``."""
    pattern, names = metric_regex()
    out: list[tuple[int, int, str]] = []
    for m in pattern.finditer(text):
        name = metric_of(m, names)
        # "Pass@1 accuracy", "FID score", "AUROC value": one metric, named by its specific part.
        if out and name in GENERIC_METRICS and not text[out[-1][1] : m.start()].strip():
            out[-1] = (out[-1][0], m.end(), out[-1][2])
            continue
        out.append((m.start(), m.end(), name))
    return out
