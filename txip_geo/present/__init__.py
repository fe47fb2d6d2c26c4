"""Present: what each view shows, as data -- map specs and classes, tables, labels, formatting."""
