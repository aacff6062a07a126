"""paperradar's documented exception tree.

PaperradarError
├── InputError          bad input: names the file and line or record
│   └── UnknownLayout   a text whose layout is not recognised
├── SourceError         an online source failed (after retries)
│   └── OfflineError    no network: nothing could be fetched
├── StoreError          the store cannot be opened or migrated
└── NotFound            no paper with that id
"""

from __future__ import annotations


class PaperradarError(Exception):
    """Base of every error paperradar raises on purpose."""


class InputError(PaperradarError):
    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class UnknownLayout(InputError):
    pass


class SourceError(PaperradarError):
    pass


class OfflineError(SourceError):
    pass


class StoreError(PaperradarError):
    pass


class NotFound(PaperradarError):
    pass
