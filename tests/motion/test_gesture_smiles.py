"""Brief social smiles after phrases read as smiles at 1x: most 8-10 s takes show one, its corners lifted a few %
of the mouth width (weight >= 0.4; 0.2 lifts them 2-5 %, hard to see even at 2x), and it stays brief and short of
a grin on a neutral face (tracks only; RESULTS.md, "After-phrase smiles that read")."""

from __future__ import annotations

import numpy as np
import pytest

import dirfa

FPS = 25.0
TEXTS = (
    "Your appointment is on Monday at ten. Please bring your insurance card. If you cannot come, call us the day"
    " before and we will find another time.",
    "That is a good question. Most people feel better within a week. But if the fever comes back, or you feel"
    " dizzy, please call the clinic.",
    "Thanks for waiting. I found your prescription. It will be ready for pickup this afternoon, and the pharmacy"
    " is open until six.",
    "Drink plenty of water today. Rest as much as you can. If the pain gets worse, take one more tablet and let"
    " us know how you feel tomorrow.",
)
SEEDS = (None, 1, 2)


def _smiles(tracks: dirfa.Tracks) -> list[tuple[float, float]]:
    """(peak weight, seconds above 0.1) of each smile in a neutral take."""
    smile = np.maximum(tracks.curves["mouthSmileLeft"], tracks.curves["mouthSmileRight"])
    above = np.concatenate([[False], smile > 0.1, [False]])
    edges = np.flatnonzero(np.diff(above.astype(int)))
    return [(float(smile[a:b].max()), (b - a) / FPS) for a, b in zip(edges[::2], edges[1::2])]


@pytest.fixture(scope="module")
def takes():
    return [dirfa.say(None, text, seed=seed).tracks for text in TEXTS for seed in SEEDS]


def test_takes_are_eight_to_ten_seconds(takes):
    seconds = [t.n_frames / FPS for t in takes]
    assert 7.0 <= float(np.median(seconds)) <= 11.0, np.round(seconds, 1)


def test_most_takes_show_a_smile_that_reads(takes):
    smiles = [_smiles(t) for t in takes]
    shown = [any(peak >= 0.4 for peak, _ in take) for take in smiles]
    # Was none of 12: gesture smiles peaked at 0.15-0.4 (a 2-5 % corner lift), after ~1 in 4 phrases.
    assert np.mean(shown) >= 0.6, smiles


def test_smiles_stay_brief_and_short_of_a_grin(takes):
    smiles = [s for t in takes for s in _smiles(t)]
    assert smiles
    assert max(peak for peak, _ in smiles) <= 0.65, smiles
    assert max(seconds for _, seconds in smiles) <= 2.5, smiles
