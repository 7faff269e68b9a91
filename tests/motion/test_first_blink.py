"""The first blink of a clip (issue 13: "with the default seed every clip blinks first at 0.6-0.8 s"): as if the
take had been blinking all along at its rate, so it is not piled up early, and it varies from clip to clip."""

from __future__ import annotations

import numpy as np

from dirfa.motion.generate import MotionOptions, seed_from
from dirfa.motion.stream import MotionStream

FPS = 25.0


def test_first_blinks_are_not_piled_up_at_the_start(say_like):
    """A blinker that has been going on is met at a random moment of a random interval: the wait W for its next
    blink has P(W <= t) = int_0^t (1 - F(s)) ds / mean interval (the forward-recurrence time). With intervals of
    mean ~2.3 s (26/min) and none under 0.7 s, that is ~0.75 / 2.3 = 0.33 by 0.75 s (0.29 over the takes' own
    rates, benchmarks/RESULTS.md); a look away at the first phrase start may bring one forward, as any gaze
    shift does. Before: 50-60 % of takes blinked by 0.75 s, a quarter by 0.32 s."""
    firsts = []
    for index in range(3):
        clip = say_like(index, seed_base=2000)
        for k in range(40):
            stream = MotionStream(FPS, MotionOptions(seed=seed_from("first blink", index, k)))
            stream.push({}, clip)
            stream.finish()
            apexes = list(stream.blinker.apexes)
            firsts.append(apexes[0] / FPS if apexes else np.inf)
    firsts = np.array(firsts)
    early = np.mean(firsts <= 0.75)
    assert early <= 0.42, (early, np.percentile(firsts, [10, 25, 50, 75]))
    # ... and still varied: some takes blink almost at once, the median wait is over a second, some wait long.
    assert 0.1 <= early and np.median(firsts) >= 1.0 and np.mean(firsts > 2.0) >= 0.1, np.percentile(
        firsts, [10, 25, 50, 75, 90]
    )
