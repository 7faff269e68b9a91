"""speech stage of the dirfa pipeline."""
