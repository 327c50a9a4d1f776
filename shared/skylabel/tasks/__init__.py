"""Tasks: data to label, their listing (Data Manager query), import and the label stream (/next)."""
