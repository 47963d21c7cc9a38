"""The offline title cleaner and doubled words: a stutter goes, a name stays whole.

The titles are real (Amazon Reviews 2023 Video_Games for the first; the rest from ../shared/data: Amazon2023Sample
and Industrial, copied verbatim), except the last stutter, which is the bundled sample's kind.
"""

from __future__ import annotations

import pytest

from python_jobs.enrich.rules import clean_title

NAMES = [
    ("Battlepack #1 - Chop Chop - Dragonfire Cannon", "Chop Chop"),  # Video_Games: the title
    ("La La Land", "La La Land"),
    (
        "lenoup Iridescent Glitter Bling Bling Phone Ring Holder,Sparkle Phone Ring Artificial Diamond Stand,"
        "Rhinestone Cell Phone Finger Ring(Rainbow)",
        "Glitter Bling Bling Phone",
    ),
    (
        "Chom Chom Roller Pet Hair Remover and Reusable Lint Roller - ChomChom Cat and Dog Hair Remover for Furniture, "
        "Couch, Carpet, Clothing and Bedding - Portable, Multi-Surface Fur Removal Tool",
        "Chom Chom Roller",
    ),
    (
        "Matty's Toy Stop Deluxe Nursery Rhymes Wood Peg Puzzles (8pcs Each, 32 Total) Humpty Dumpty, There was an "
        "Old Woman, Hey Diddle Diddle & Mary Had A Little Lamb Complete Gift Set Bundle - 4 Pack",
        "Hey Diddle Diddle",
    ),
    ("Amazon.com Gift Card in a Santa Tin (Ho! Ho! Ho! Card Design)", "Ho Ho Ho Card Design"),
]

NUMBERS = [  # a number twice is a quantity and a fraction, a model and a size: never a stutter
    ('CMS Magneitcs Ceramic Magnet Hook 1 1/4" in Diameter with 18 LB Holding Power 6-Count', 'Hook 1 1/4"'),
    ("Irwin Tools Unibit #1 1/8-Inch to 1/2-Inch Step-Drill Bit, 1/4-Inch Shank (10231)", "#1 1/8-Inch"),
    (
        "Braun Epilator Silk-épil 9 9-720, Hair Removal Device, Epilator for Women, Wet & Dry, Womens Shaver & "
        "Trimmer, Cordless, Rechargeable",
        "Silk-épil 9 9-720",
    ),
    (
        "BOYA by-MM1 Shotgun Microphone with PSC1 SmartGrip Selfie Stand with PL30 Light for iPhone X 8 7 7 Plus "
        "Samsung Android Smartphone SLR Camera Computer Tripod Vlog Facebook Livestream YouTube Video",
        "iPhone X 8 7 7 Plus",
    ),
    ("PORTER-CABLE PBN18100-1 1-Inch 18 Gauge Brad Nails, 1000-Pack", "PBN18100-1 1-Inch"),
    ("Vertical Stand for Xbox 360 360 Degree Rotating", "Xbox 360 360 Degree"),  # made up: "360" is a platform too
]

STUTTERS = [  # the catalogue's own words (platforms, product types) and function words, said twice
    (
        "3DS Charger, Dsi Charger, AC Adapter Charger Home Travel Charger Wall Plug Power Adapter (100-240 v) "
        "Compatible with New 3DS 2DS 2DS XL 2DS DSi DSi XL",
        "2DS 2DS",
        "Compatible with New 3DS 2DS XL 2DS DSi XL",
    ),
    (
        "Charging Station for Nintendo Switch Switch, NexForge Overcharge Protection Charger",
        "Switch Switch",
        "Charging Station for Nintendo Switch, NexForge",
    ),
    ("Carrying Case for for PS4 Pro", "for for", "Carrying Case for PS4 Pro"),
]


@pytest.mark.parametrize("title, name", NAMES + NUMBERS, ids=[n for _, n in NAMES + NUMBERS])
def test_a_doubled_word_inside_a_name_or_number_stays(title, name):
    assert name in clean_title(title)


@pytest.mark.parametrize("title, stutter, kept", STUTTERS, ids=[s for _, s, _ in STUTTERS])
def test_a_stutter_of_a_catalogue_or_function_word_goes(title, stutter, kept):
    cleaned = clean_title(title)
    assert stutter not in cleaned and kept in cleaned
