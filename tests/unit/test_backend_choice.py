"""The backend a goal picks by default is the one results/goals.json measured best.

requirements.kconfig states the CRYPTO_BACKEND defaults; tlsfit goals measures
every shipped profile under each goal and backend. This fails when the two
disagree: after a re-measurement that changes the best backend, the defaults
must follow (or the other way round).
"""

from __future__ import annotations

import pytest

from tlsfit.generate.render import backend
from tlsfit.generate.resolve import resolve
from tlsfit.generate.variants import GOALS, read_variant
from tlsfit.measure.goals import backend_choice, load_goals, profile_kind
from tlsfit.paths import RESULTS_DIR, shipped_profiles

GOALS_DOC = load_goals(RESULTS_DIR / "goals.json")


@pytest.mark.parametrize("goal", GOALS)
@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
def test_the_default_backend_is_the_measured_best(profile, goal, tmp_path):
    rows = GOALS_DOC["profiles"].get(profile.stem)
    assert rows is not None, f"{profile.stem}: not in results/goals.json (run make goals)"
    kind = profile_kind(rows, goal)
    assert kind is not None, f"{profile.stem}: no PSA row under {goal} in results/goals.json"
    picked = backend(resolve(read_variant([profile], tmp_path, goal=goal)))
    from tlsfit.generate.profile import read_profile
    if read_profile([profile]).assignments().keys() & {"CRYPTO_LEGACY", "CRYPTO_PSA"}:
        return                         # the profile names its backend itself
    choice = backend_choice(GOALS_DOC)[(goal, kind)]
    assert picked == choice.backend, choice.sentence()


def test_every_choice_is_backed_by_a_measurement():
    for choice in backend_choice(GOALS_DOC).values():
        assert choice.profiles, choice.sentence()
