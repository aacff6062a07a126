"""HTML digests (a page, and the email's HTML part), every value escaped."""

from __future__ import annotations

from markupsafe import Markup

from .digest import Digest, EntryView, labels_for
from .env import markup_env, xml_safe


def render_html(digest: Digest) -> str:
    """The digest as a whole HTML document; abstracts are folded in <details>."""
    return xml_safe(markup_env().get_template("digest.html").render(d=digest))


def render_entry_html(entry: EntryView, language: str = "en", folded: bool = False) -> Markup:
    """One entry as an HTML fragment (feed item descriptions)."""
    macro = markup_env().get_template("_entry.html").module.entry
    return Markup(xml_safe(str(macro(entry, labels_for(language), folded))))
