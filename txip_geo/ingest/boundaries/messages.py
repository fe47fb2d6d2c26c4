"""The boundary import's Chinese texts: the strings table's ``[boundaries_import]`` section, the layers' labels and
the words a report is keyed by (how a unit was matched), with the separators lists are joined with."""

from __future__ import annotations

from collections.abc import Iterable

from txip_geo.ingest.boundaries.vocabulary import LAYERS
from txip_geo.strings import t

SECTION = "boundaries_import"


def msg(key: str, **params) -> str:
    """The text at ``[boundaries_import] key``, formatted with `params`."""
    return t(f"{SECTION}.{key}", **params)


def listing(items: Iterable[str]) -> str:
    """Items joined with 、 (names, files, layers)."""
    return msg("list_sep").join(items)


def clauses(items: Iterable[str]) -> str:
    """Clauses joined with ，."""
    return msg("clause_sep").join(items)


def series(items: Iterable[str]) -> str:
    """Sentences of one message joined with ；."""
    return msg("item_sep").join(items)


LAYER_LABEL = {layer: msg(f"layer_{layer}") for layer in LAYERS}  # townships -> 镇街, parks -> 园区

# How a unit was matched: stored in the report (``matched[].by``) and shown as it is.
BY_CODE, BY_NAME, BY_BOTH, BY_DRAWN = msg("by_code"), msg("by_name"), msg("by_both"), msg("by_drawn")
BY_ORDER = (BY_BOTH, BY_CODE, BY_NAME)  # a unit matched several ways is reported by the first of these
