"""Areas: the gazetteer (units, parks, old names), boundary layers, datums and their simplification."""
