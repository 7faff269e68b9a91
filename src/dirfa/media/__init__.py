"""media stage of the dirfa pipeline."""
