"""Ingest: reading offices' files (CSV, Excel, boundary layers), checking every cell, deriving each kind's columns."""
