"""Streamlit glue shared by the pages: cached loading, settings, query parameters, the header. No figures here."""
