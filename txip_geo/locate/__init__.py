"""Locate: which township-level unit and park a record belongs to (code, name, park, point, address).

Modules by job: ``text`` (cells as compared), ``location`` (the result and its notes' joining), ``address`` (the
address matcher), ``points`` (layers and what coordinates say), ``decide`` (the precedence between sources for one
row), ``frame`` (the API: ``locate_frame``, ``Locator`` for a file's chunks, ``locate_one``)."""
