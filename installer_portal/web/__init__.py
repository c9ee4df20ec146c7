"""The web: one blueprint per audience, each with one access check before every route."""
