"""render stage of the dirfa pipeline."""
