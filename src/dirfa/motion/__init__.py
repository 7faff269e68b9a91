"""motion stage of the dirfa pipeline."""
