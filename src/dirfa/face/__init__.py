"""face stage of the dirfa pipeline."""
