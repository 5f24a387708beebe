"""A lap's intensity is one of walkrun's words, whatever spelling the file used."""

from __future__ import annotations

import pytest

from walkrun.domain.activities import Lap, LapIntensity
from walkrun.fit.messages import Intensity
from walkrun.fit.profile import ENUMS


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("active", LapIntensity.ACTIVE),
        ("Interval", LapIntensity.INTERVAL),
        (" recovery ", LapIntensity.RECOVERY),
        ("sprint", LapIntensity.OTHER),  # unknown words are kept as "other", never guessed
        (None, None),
    ],
)
def test_lap_intensity_is_one_vocabulary(given: str | None, kept: LapIntensity | None) -> None:
    assert Lap(start_s=0, elapsed_s=60, intensity=given).intensity == kept


def test_the_decoder_names_every_intensity_the_encoder_writes() -> None:
    # Our own workout files mark the walks between runs "recovery" (4); a decoder that knew
    # only 0-3 read them back as unknown and adherence lost the lap's purpose.
    for value in Intensity:
        assert LapIntensity(ENUMS["intensity"][int(value)]).name == value.name
