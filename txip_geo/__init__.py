"""txip-geo: Taixing's IP network on a map — areas, records, figures and goals (no Streamlit here)."""

__version__ = "0.1.0"
