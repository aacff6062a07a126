"""paperradar: a self-hostable research-paper radar."""

from .models import Author, Link, Paper, SourceSeen

__all__ = ["Author", "Link", "Paper", "SourceSeen", "__version__"]
__version__ = "0.1.0"
