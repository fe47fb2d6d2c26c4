"""Render: drawing what present describes -- folium maps, offline assets, static maps, the deck, workbooks, fonts."""
