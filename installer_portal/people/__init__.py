"""Finding people and telling their story, for the support console."""
