"""Listings from latent attributes: title, description, features, details, categories and the rest.

Items that share a franchise, genre, platform or accessory type are written from the same sentence
pools and share names, so similar items read alike. Real-catalogue mess is then laid on at fixed rates:
HTML tags and entities, truncated "..." text, promotional words, ALL CAPS titles, symbols, duplicated and
very long descriptions, seller text, abbreviations, excessive punctuation and parentheses.

Whether a listing passes notebook 01's filter (title > 20 and joined description > 100 characters) is
decided in the catalogue (``fail_mode``); the writers guarantee it after all the mess is applied.
Every choice is drawn from the ``random.Random`` passed in, so a chunk's text is a pure function of its
seed; the order of the fields below is the order of the draws, which the committed sample's bytes depend on.

Modules: items.py (an item's attributes and the names derived from them), draws.py (the draw helpers),
titles.py, descriptions.py (and features), fields.py (details, categories, price, images and the rest).
"""

from __future__ import annotations

import random
from typing import Any

from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.descriptions import make_description, make_features
from python_jobs.data.sample.fields import (
    make_categories,
    make_details,
    make_images,
    make_main_category,
    make_price,
    make_ratings,
    make_store,
    make_videos,
)
from python_jobs.data.sample.items import Item
from python_jobs.data.sample.titles import make_title


def make_record(cat: Catalogue, it: Item, r: random.Random, max_popularity: float) -> dict[str, Any]:
    """One meta row, fields in the order of the real files."""
    store = make_store(cat, it, r)
    title = make_title(cat, it, r, store)
    description, _ = make_description(cat, it, r, title)
    average, count = make_ratings(it, r, max_popularity)
    return {
        "main_category": make_main_category(it, r),
        "title": title,
        "average_rating": average,
        "rating_number": count,
        "features": make_features(cat, it, r),
        "description": description,
        "price": make_price(it, r),
        "images": make_images(r),
        "videos": make_videos(r, title, store),
        "store": store,
        "categories": make_categories(it, r),
        "details": make_details(cat, it, r, count, average),
        "parent_asin": it.asin,
        "bought_together": None,
    }
