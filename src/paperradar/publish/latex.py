"""LaTeX in titles and abstracts, rendered sensibly for each digest format.

``$\\alpha$-Net`` reads ``α-Net`` everywhere; ``\\textbf{x}`` is ``x`` in plain
text, ``**x**`` in Markdown and ``<b>x</b>`` in HTML; ``\\emph``/``\\textit``
italic, ``\\texttt`` code; ``\\cite``, ``\\ref`` and ``\\label`` are dropped;
math stays readable (Greek letters and symbols as Unicode, ``x^2`` as ``x²``,
``\\frac{a}{b}`` as ``a/b``). HTML output escapes everything else: titles may
carry ``<script>``. Unknown commands keep their argument (``\\textsc{BERT}`` ->
``BERT``). Pure functions; a parse never fails, whatever the input.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..normalize import (  # accents (\'e -> é), shared with names
    _SIMPLE_LATEX,
    _simple_latex,
)

SYMBOLS = {
    **{g: chr(c) for g, c in zip(
        ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "varsigma", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"], range(0x3B1, 0x3CA))},
    **{g: chr(c) for g, c in zip(
        ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu", "Nu", "Xi", "Omicron", "Pi", "Rho", "Varsigma", "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega"], range(0x391, 0x3AA))},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ", "varpi": "ϖ", "ell": "ℓ",
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮",
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡",
    "propto": "∝", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃",
    "supseteq": "⊇", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬",
    "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "gets": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔", "leftrightarrow": "↔",
    "implies": "⇒", "iff": "⇔", "mapsto": "↦", "ldots": "…", "dots": "…", "cdots": "⋯", "circ": "∘",
    "star": "⋆", "ast": "∗", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
    "rceil": "⌉", "emptyset": "∅", "varnothing": "∅", "top": "⊤", "perp": "⊥", "dagger": "†",
    "prime": "′", "ll": "≪", "gg": "≫", "mid": "|", "vert": "|", "Vert": "‖", "|": "‖", "oplus": "⊕",
    "otimes": "⊗", "odot": "⊙", "bullet": "•", "checkmark": "✓", "degree": "°", "S": "§",
    "textasciitilde": "~", "textbackslash": "\\", "LaTeX": "LaTeX", "TeX": "TeX", "copyright": "©",
    **{op: f" {op} " for op in ["log", "ln", "exp", "sin", "cos", "tan", "max", "min", "arg", "argmax", "argmin", "lim", "sup", "inf", "det", "Pr"]},
    "sqrt": "√", "%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ", "\\": " ",
}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
SUPERSCRIPT = dict(zip("0123456789+-=()nijkhlmoprstuvwxyzabcdefgABDEGHIJKLMNOPRTUVW*′",
                       "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏʰˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵃᵇᶜᵈᵉᶠᵍᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ*′"))
SUPERSCRIPT["⊤"] = "ᵀ"
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))

STYLES = {"textbf": "b", "bf": "b", "mathbf": "b", "boldsymbol": "b", "emph": "i", "textit": "i",
          "it": "i", "textsl": "i", "texttt": "code", "tt": "code"}
DROPPED = {"cite", "citep", "citet", "citealp", "citeauthor", "citeyear", "ref", "eqref", "autoref",
           "cref", "Cref", "label", "footnote", "footnotemark", "thanks", "vspace", "hspace",
           "includegraphics", "noindent", "newline", "linebreak", "left", "right", "big", "Big",
           "bigl", "bigr", "Bigl", "Bigr", "displaystyle", "textstyle", "limits", "nolimits"}
_TOKEN = re.compile(r"\\([A-Za-z]+)\*?|\\(.)|(\$\$|\$|---|--|``|''|[{}~^_])|([^\\${}~^_`'-]+|.)", re.DOTALL)
MAX_DEPTH = 40

Node = tuple  # ("text", str) | ("math", str) | (style, [Node])


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value): ("cmd", name), ("sym", value), ("chr", text)."""
    out = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(("cmd", m.group(1)))
        elif m.group(2) is not None:
            out.append(("cmd", m.group(2)))
        elif m.group(3) is not None:
            out.append(("sym", m.group(3)))
        else:
            out.append(("chr", m.group(4)))
    return out


# Math spans as pandoc reads them: "$x$" opens before a non-space and closes after one, not
# before a digit; so "$5 and $10" and "Earn $1 Million" stay money. Escaped dollars are kept.
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$(?=[^\s$])(?:[^$\\]|\\.)*?(?<=[^\s\\])\$(?!\d)|\\.", re.DOTALL)


def _escape_money(text: str) -> str:
    """Escape every dollar that does not open or close a math span."""
    out, at = [], 0
    for m in _MATH_SPAN.finditer(text):
        out += [text[at:m.start()].replace("$", "\\$"), m.group()]
        at = m.end()
    out.append(text[at:].replace("$", "\\$"))
    return "".join(out)


class _Parser:
    def __init__(self, text: str):
        if "$" in text:
            text = _escape_money(text)
        self.toks = _tokens(_SIMPLE_LATEX.sub(_simple_latex, text))
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def group(self, depth: int, math: bool) -> list[Node]:
        """A {...} argument (or the next single token) as nodes."""
        tok = self.peek()
        if tok == ("sym", "{"):
            self.i += 1
            return self.nodes(depth + 1, math, closing=("sym", "}"))
        if tok is None:
            return []
        if tok[0] == "chr" and tok[1].strip() != tok[1]:  # skip spaces before a one-token argument
            rest = tok[1].lstrip()
            if not rest:
                self.i += 1
                return self.group(depth, math)
            self.toks[self.i] = tok = ("chr", rest)
        if tok[0] == "chr" and len(tok[1]) > 1:  # x^2) : the argument is one character
            self.toks[self.i] = ("chr", tok[1][1:])
            return [("text", tok[1][0])]
        return self.nodes(depth + 1, math, single=True)

    def nodes(self, depth: int = 0, math: bool = False, closing: tuple | None = None,
              single: bool = False) -> list[Node]:
        out: list[Node] = []
        while self.i < len(self.toks):
            kind, value = self.toks[self.i]
            self.i += 1
            if (kind, value) == closing:
                break
            if kind == "sym" and value in ("$", "$$") and not math:
                out.append(("math", _plain(self.nodes(depth + 1, True, closing=(kind, value)))))
            elif kind == "sym" and value == "{":
                out.extend(self.nodes(depth + 1, math, closing=("sym", "}")) if depth < MAX_DEPTH else [])
            elif kind == "sym" and value in "^_" and math:
                out.append(("text", _script(_plain(self.group(depth, math)), value)))
            elif kind == "sym":
                out.append(("text", {"~": " ", "---": "—", "--": "–", "``": "“", "''": "”"}.get(value, value)))
            elif kind == "cmd":
                out.extend(self.command(value, depth, math))
            else:
                out.append(("text", value))
            if single or depth > MAX_DEPTH:
                break
        return out

    def command(self, name: str, depth: int, math: bool) -> list[Node]:
        if depth > MAX_DEPTH:  # pathological nesting: stop reading arguments
            return [("text", SYMBOLS.get(name, name))]
        if name in ("(", "["):
            return [("math", _plain(self.nodes(depth + 1, True, closing=("cmd", {"(": ")", "[": "]"}[name]))))]
        if name in (")", "]"):
            return []
        if name in DROPPED:
            if self.peek() == ("sym", "{") or name.startswith(("cite", "ref", "label", "foot")):
                self.group(depth, math)
            return []
        if name in STYLES:
            return [(STYLES[name], self.group(depth, math))]
        if name == "frac" or name == "dfrac" or name == "tfrac":
            top, bottom = _plain(self.group(depth, math)), _plain(self.group(depth, math))
            return [("text", f"{_paren(top)}/{_paren(bottom)}")]
        if name == "sqrt":
            return [("text", "√" + _paren(_plain(self.group(depth, math))))]
        if name == "mathbb":
            inner = _plain(self.group(depth, math))
            return [("text", "".join(BLACKBOARD.get(c, c) for c in inner))]
        if name == "href":
            self.group(depth, math)
            return self.group(depth, math)
        if name in SYMBOLS:
            return [("text", SYMBOLS[name])]
        if self.peek() == ("sym", "{"):  # \textsc{X}, \mathrm{X}, \url{X}...: keep the argument
            return self.group(depth, math)
        return [("text", "" if name == "-" else name)]


def _paren(text: str) -> str:
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _script(text: str, mark: str) -> str:
    table = SUPERSCRIPT if mark == "^" else SUBSCRIPT
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return f"{mark}{_paren(text)}" if text else ""


def parse(text: str | None) -> list[Node]:
    """LaTeX-bearing text as nodes: text, math (already Unicode), and styled runs."""
    if not text:
        return []
    if not any(c in text for c in "\\$^_{}~`'-"):
        return [("text", text)]
    return _Parser(text).nodes()


def _plain(nodes: list[Node]) -> str:
    return "".join(n[1] if isinstance(n[1], str) else _plain(n[1]) for n in nodes)


def _tidy(text: str) -> str:
    return re.sub(r" +([.,;:)])", r"\1", re.sub(r"[ \t]{2,}", " ", text))


def to_plain(text: str | None) -> str:
    """Plain Unicode text (email text part, feed titles, subjects)."""
    return _tidy(_plain(parse(text))).strip()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_MD_MARK = {"b": "**", "i": "*", "code": "`"}


def md_escape(text: str) -> str:
    """Text that Markdown shows as written (no emphasis, links or inline HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md(nodes: list[Node]) -> str:
    out = []
    for kind, value in nodes:
        if isinstance(value, str):
            out.append(md_escape(value))
        else:
            inner = _md(value).strip() if kind != "code" else _plain(value).replace("`", "'")
            out.append(f"{_MD_MARK[kind]}{inner}{_MD_MARK[kind]}" if inner else "")
    return "".join(out)


def to_markdown(text: str | None) -> str:
    return _tidy(_md(parse(text))).strip()


_HTML_TAG = {"b": "b", "i": "i", "code": "code"}


def _html(nodes: list[Node]) -> str:
    out = []
    for kind, value in nodes:
        if isinstance(value, str):
            out.append(str(escape(value)))
        else:
            out.append(f"<{_HTML_TAG[kind]}>{_html(value)}</{_HTML_TAG[kind]}>")
    return "".join(out)


def to_html(text: str | None) -> Markup:
    """Escaped HTML with <b>, <i> and <code> for the styled runs; safe in any element."""
    return Markup(_tidy(_html(parse(text))).strip())
