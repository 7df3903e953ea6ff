"""Draft records from a news article: read it, find what it reports, propose the records.

`draft()` turns an article's text into a `Proposal`: a Source, the countries, institutions and
people it names (each matched to a record in the database, or new), the visits, memoranda and
commitments it describes, and the links between them, every field with the sentence it came from.
Nothing here writes to the database; `agreements.drafting.writing` does, once an editor confirms.
"""

from __future__ import annotations

from .proposal import Proposal, draft
from .reading import DraftInputError, read_upload

__all__ = ["DraftInputError", "Proposal", "draft", "read_upload"]
