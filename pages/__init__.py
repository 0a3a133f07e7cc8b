"""The top floor: pages that compose several features (the proposal page, the profile page) and
the admin's proposal screen. Feature apps never import it (the layer contract in pyproject.toml
and tests/test_layers.py say so)."""
