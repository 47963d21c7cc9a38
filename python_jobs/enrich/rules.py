"""Rule-based text cleaning: the offline provider's description and title cleaners.

Pure functions, no state. They do what the Gemini prompts ask for where rules can do it honestly:
HTML entities and tags, decoration, promotional text, whitespace and punctuation repair, ALL-CAPS text,
bullet lists to sentences, duplicate sentences, truncated endings, title case, abbreviations, and the
same length limits (descriptions under `max_words` words, titles at most `max_chars` characters).
They cannot fix grammar or complete a cut-off sentence; they drop the dangling fragment instead.
"""

from __future__ import annotations

import html
import re
import unicodedata

from python_jobs.enrich.vocab import HARDWARE_TYPES, PLATFORMS, PRODUCT_TYPES, squash

DESCRIPTION_INPUT_CHARS = 2000  # the seed's input cuts (NB02/NB03), not settings
TITLE_INPUT_CHARS = 200
# the seed's output limits, which prompt version "v1" stands for (tasks.get_task gives another limit, from the vars
# enrich_title_max_chars / enrich_description_max_words, its own prompt_version); the cleaners take the limit given
DESCRIPTION_MAX_WORDS = 200
TITLE_MAX_CHARS = 200

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|td|h[1-6]|table|tbody)\b[^<>]{0,200}>", re.I)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9_:-]{0,20}(?:\s[^<>]{0,300})?\s*/?\s*>")
_BROKEN_TAG = re.compile(r"<\s*/?\s*(?:li|br|p|div|span|b|i|ul|strong|em)\b[.;:]?", re.I)  # "<li." without ">"
_EMPTY_ANGLE = re.compile(r"<\s*>|<\s*/\s*>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b", re.I)
_DECORATION = re.compile(
    "[\u2605\u2606\u2665\u2661\u2764\u2763\u263a\u263b\u2713\u2714\u2717\u2718\u2726\u2727"
    "\u2728\u2756\u25c6\u25c7\u25a0\u25a1\u25aa\u25ab\u25cf\u25cb\u25ba\u25b6\u25c4\u2666"
    "\u2663\u2660\u2192\u2190\u21d2\u27a4\u27a2\u2794\u00a9\u00ae\u2122\u2120\u2022\u00b7"
    "\u2023\u2043\u2219\u25e6\u2b50\U0001f300-\U0001faff\u2600-\u26ff\u2700-\u27bf\ufe0f]"
)
_BULLET_CHARS = (
    "\u2022\u25cf\u25aa\u25ba\u25b6\u27a4\u27a2\u2794\u2023\u2043\u2219\u25e6\u2713\u2714\u2605\u2606\u25c6\u25a0\u00b7"
)
_BULLET_SPLIT = re.compile(
    rf"[ \t]*(?:[{_BULLET_CHARS}]|<>|\n)[ \t\n]*|(?<!\S)-\s+(?=[A-Z0-9])|(?<!\S)\*+\s*(?=[A-Za-z0-9])"
)
_LABEL = re.compile(
    r"^\s*(?:product description|description|about this item|product details|overview)\s*[:\-]\s*", re.I
)
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u00b4": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u2013": "-",
        "\u2014": " - ",
        "\u2026": "...",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
    }
)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?%)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_MISSING_SPACE = re.compile(r"([,;!?])(?<=[a-z][a-z][,;!?])(?=[A-Za-z])|(\.)(?<=[a-z]{3}\.)(?=[A-Z][a-z])")
_REPEATED_PUNCT = re.compile(r"([!?,;:])\1+|\.{4,}")
_MIXED_PUNCT = re.compile(r"[!?]{2,}")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")

# promotional sentences (dropped whole) and fragments (cut out)
_PROMO_SENTENCE = re.compile(
    r"satisfaction guarantee|money[- ]back|buy (?:it |one )?now|order (?:yours |it )?(?:now|today)|add to (?:your )?cart|"
    r"click (?:the |on )?(?:buy|add|here)|free shipping|fast shipping|ships (?:fast|free|within)|limited time|"
    r"while (?:supplies|stocks?) last|don'?t miss|act (?:now|fast)|best seller|lowest price|hot sale|great deal|"
    r"risk[- ]free|no risk|contact us|feel free to (?:contact|ask)|customer service|highest quality guaranteed|"
    r"makes? (?:a |the )?(?:great|perfect|ideal) gift|perfect gift|gift idea|check out our (?:store|other)|"
    r"visit our (?:store|shop)|see (?:our )?other listings|you will (?:love|not regret)|grab (?:yours|one)|"
    r"100% (?:brand )?new|brand new (?:and|&) (?:high|top) quality|we (?:offer|provide|guarantee)|our (?:store|shop|team)"
)
# (matched against lower-cased text without re.I: several times faster on long descriptions)
# shouted sales words: upper case only, so "hot water", "for sale" or "low clearance" are never touched
_PROMO_SHOUT = re.compile(
    r"\b(?:NEW|HOT|SALE|SALE PRICE|BEST SELLER|LIMITED|FREE SHIPPING|EXCLUSIVE|DEAL|WOW|AMAZING|HOT SALE)\s*!+|"
    r"\*+\s*(?:NEW|HOT|SALE|BEST SELLER|LIMITED|New|Hot|Sale)\s*\*+|"
    r"\b(?:HOT SALE|NEW ARRIVAL|BEST SELLER|BESTSELLER|FREE SHIPPING|CLEARANCE SALE|TOP RATED|ON SALE|"
    r"LIMITED TIME(?: OFFER)?|SALE)\b(?=\s|$|[-:|,!])"
)
# sales phrases that are cut out of titles (a title is a list of attributes, so cutting leaves no broken
# sentence); in descriptions, sentences with such phrases are dropped whole (_PROMO_SENTENCE)
_PROMO_TITLE = re.compile(
    r"\b(?:brand[- ]new|100% (?:brand )?(?:new|original|authentic|genuine)|hot sale|on sale|free shipping|"
    r"limited time offer|great gift|gift idea|best seller|top seller|new arrival|fast shipping|"
    r"(?:20\d\d )?newest version)\b|^\s*NEW\b[\s:!-]*|[(\[]\s*new\s*[)\]]",
    re.I,
)
_SELLER = re.compile(
    r"[(\[]\s*(?:sold|shipped|ships|fulfilled|dispatched)\s+(?:by|from)\s+[^)\]]*[)\]]|"
    r"\s[-|]\s*(?:sold|shipped|ships|fulfilled)\s+(?:by|from)\s+.*$|"
    r"[(\[]\s*(?:[\w&'. ]+\s+)?(?:store|seller|shop|retailer)(?:\s+[\w&'. ]+)?\s*[)\]]",
    re.I,
)

# title abbreviations -> words (seed: "Ed." -> "Edition", "w/" -> "with")
_ABBREVIATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bw/o\b\.?", re.I), "without"),
    (re.compile(r"\bw/\s*(?=[A-Za-z0-9])", re.I), "with "),
    (re.compile(r"\bw/(?=\s|$)", re.I), "with"),
    (re.compile(r"\bLtd\.?\s+Ed(?:n|tn|it)?\.?(?=\s|$|[),\]])", re.I), "Limited Edition"),
    (re.compile(r"\bColl(?:ector'?s)?\.?\s+Ed(?:n|tn|it)?\.?(?=\s|$|[),\]])", re.I), "Collector's Edition"),
    (re.compile(r"\bStd\.?\s+Ed(?:n|tn|it)?\.?(?=\s|$|[),\]])", re.I), "Standard Edition"),
    (re.compile(r"\bSpec\.?\s+Ed(?:n|tn|it)?\.?(?=\s|$|[),\]])", re.I), "Special Edition"),
    (re.compile(r"(?<=[A-Za-z'] )Ed(?:n|tn|it)?\.(?=\s|$|[),\]])"), "Edition"),
    (re.compile(r"(?<=[A-Za-z'] )(?:Ed|Edn|Edtn)(?=\s*$|\s*[),\]])"), "Edition"),
    (re.compile(r"\bGOTY\b"), "Game of the Year"),
    (re.compile(r"\bDlx\b\.?", re.I), "Deluxe"),
    (re.compile(r"\bVer\.(?=\s)", re.I), "Version"),
    (re.compile(r"\bVol\.(?=\s*\d)", re.I), "Volume"),
    (re.compile(r"(?<=\d)\s*[- ]?pk\b\.?", re.I), "-Pack"),
    (re.compile(r"(?<=\d)\s*pcs?\b\.?", re.I), " Pieces"),
    (re.compile(r"\bCtrl\b\.?", re.I), "Controller"),
    (re.compile(r"\bAccy\b\.?", re.I), "Accessory"),
    (re.compile(r"\bCompat\.?(?=\s)", re.I), "Compatible"),
    (re.compile(r"\s+&\s+"), " & "),
]
_MINOR = frozenset("a an and as at but by for from in into nor of on or over per the to up via vs with".split())
_UNITS = frozenset(
    "mm cm m km ml l kg g mg lb lbs oz ft in v w mah hz khz ghz mb gb tb kb ah ma mw kw ppm psi "
    "rpm cfm awg mph fps dpi".split()
)
_ACRONYMS = frozenset(
    "usb hdmi led lcd oled hd uhd ssd hdd rgb ac dc vr ar ai pc ps psp psn ds gba nes snes dlc rpg fps mmo mmorpg "
    "pvp pve ea nfl nba nhl mlb ufc wwe fifa nascar lego tv dvd cd bd 3d 2d xl xxl uk us usa eu jp gps rf ir "
    "abs pvc diy ii iii iv vi vii viii ix xi xii xiii gt gts rc id".split()
)
_PLATFORM_TOKENS = {
    "ps1": "PS1",
    "ps2": "PS2",
    "ps3": "PS3",
    "ps4": "PS4",
    "ps5": "PS5",
    "3ds": "3DS",
    "2ds": "2DS",
    "n64": "N64",
    "psvr": "PSVR",
    "xb1": "XB1",
    "4k": "4K",
    "8k": "8K",
    "1080p": "1080p",
}


# ---- shared pieces ---------------------------------------------------------------------------------------------
def unescape_and_strip_markup(text: str) -> str:
    """HTML entities (also double-encoded ones), tags, URLs, decoration; newlines kept for block tags."""
    for _ in range(3):  # "&amp;amp;" needs two rounds
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = _BROKEN_TAG.sub("\n", text)
    text = _URL.sub(" ", text)
    return text


def repair_spacing(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _REPEATED_PUNCT.sub(lambda m: m.group(1) or "...", text)
    text = _MIXED_PUNCT.sub(lambda m: m.group(0)[0], text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = _MISSING_SPACE.sub(lambda m: (m.group(1) or m.group(2)) + " ", text)
    return text.strip()


_NOT_UPPER = re.compile(r"[^A-Z]+")
_NOT_LOWER = re.compile(r"[^a-z]+")


def is_shouting(text: str, min_letters: int = 8, share: float = 0.8) -> bool:
    """Mostly upper-case letters (ASCII letters counted; fast on long text)."""
    upper = len(_NOT_UPPER.sub("", text))
    if upper < min_letters * share:
        return False
    lower = len(_NOT_LOWER.sub("", text))
    return upper + lower >= min_letters and upper / (upper + lower) >= share


def _word_case(word: str, first: bool) -> str:
    """One word of an ALL-CAPS or all-lowercase title in title case."""
    core = word.strip("()[]{}\"',.:;!?")
    low = core.lower()
    if not core or not any(c.isalpha() for c in core):
        return word
    if low in _PLATFORM_TOKENS:
        return word.replace(core, _PLATFORM_TOKENS[low])
    if any(c.isdigit() for c in core) or low in _UNITS:  # model numbers, sizes, units keep their letters
        return word
    if low in _ACRONYMS:
        return word.replace(core, core.upper())
    if low in _MINOR and not first:
        return word.replace(core, low)
    parts = re.split(r"([-/'])", low)
    cased = "".join(
        p if p in "-/'" or (i > 0 and parts[i - 1] == "'" and len(p) <= 2) else p[:1].upper() + p[1:]
        for i, p in enumerate(parts)
    )
    return word.replace(core, cased)


def sentence_case(text: str) -> str:
    """ALL-CAPS prose -> sentence case, acronyms and model numbers kept."""
    words = text.split(" ")
    out = []
    start = True
    for word in words:
        core = word.strip("()[]{}\"',.:;!?")
        low = core.lower()
        if core and low in _ACRONYMS:
            new = word.replace(core, core.upper())
        elif core and (any(c.isdigit() for c in core) or low in _PLATFORM_TOKENS):
            new = word.replace(core, _PLATFORM_TOKENS.get(low, core))
        elif core:
            new = word.replace(core, (low[:1].upper() + low[1:]) if start else low)
        else:
            new = word
        out.append(new)
        if core:
            start = word.rstrip("\"')]").endswith((".", "!", "?"))
    return " ".join(out)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def word_count(text: str) -> int:
    return len(text.split())


# ---- descriptions -------------------------------------------------------------------------------------------------
def _segments(text: str) -> list[str]:
    """Lines and bullet items as separate pieces of prose."""
    pieces = []
    for piece in _BULLET_SPLIT.split(text):
        piece = piece.strip(" \t-*;,|")
        if piece:
            pieces.append(piece)
    return pieces


def _finish(segment: str) -> str:
    segment = segment.rstrip(" ,;:-")
    if not segment:
        return segment
    if segment.endswith("..."):
        return segment
    return segment if segment[-1] in ".!?\"')" else segment + "."


def clean_description(text: str | None, max_words: int, input_chars: int = DESCRIPTION_INPUT_CHARS) -> str:
    """Rule-based description cleaning (see module doc). Returns "" for empty input."""
    if not text or not text.strip():
        return ""
    truncated_input = len(text) > input_chars
    text = unescape_and_strip_markup(text[:input_chars])
    text = _DECORATION.sub(lambda m: "\n" if m.group(0) in _BULLET_CHARS else " ", text)
    text = repair_spacing(_PROMO_SHOUT.sub(" ", _LABEL.sub("", text.lstrip())))
    sentences: list[str] = []
    seen: set[str] = set()
    for segment in _segments(text):
        segment = _LABEL.sub("", segment)
        if segment.endswith(":") and word_count(segment) <= 4:  # a heading such as "Features:"
            continue
        for sentence in split_sentences(_finish(segment)):
            if _PROMO_SENTENCE.search(sentence.lower()):
                continue
            if is_shouting(sentence):
                sentence = sentence_case(sentence)
            sentence = sentence.strip(" -|,;:")
            key = squash(sentence)
            if len(key) < 3 or key in seen:
                continue
            seen.add(key)
            sentences.append(_finish(sentence[:1].upper() + sentence[1:]))
    if not sentences:
        return ""
    # truncated text: a last sentence cut off (by the source's "..." or by our input limit) is dropped
    last = sentences[-1]
    if len(sentences) > 1 and (
        last.endswith("...") or (truncated_input and not text.rstrip().endswith((".", "!", "?")))
    ):
        sentences.pop()
    elif last.endswith("..."):
        sentences[-1] = last.rstrip(". ") + "."
    sentences = [s[:-3].rstrip() + "." if s.endswith("...") else s for s in sentences]
    # length limit: whole sentences while they fit, a cut first sentence otherwise
    out: list[str] = []
    words = 0
    for sentence in sentences:
        n = word_count(sentence)
        if words + n > max_words:
            if not out:
                out.append(" ".join(sentence.split()[: max_words - 1]).rstrip(",;:") + ".")
            break
        out.append(sentence)
        words += n
    return " ".join(out)


# ---- titles --------------------------------------------------------------------------------------------------------
# A word twice (or more) in a row.
_REPEATED_WORD = re.compile(r"\b(\w+)(?:\s+\1)+\b", re.I)
# Doubled words that are a stutter, never a name: function words, and the catalogue's own one-word terms
# (platforms, product and hardware types), which titles get twice where two phrases are glued together
# ("Nintendo Switch" + "Switch, ..."). Any other word doubled may be a name ("Chop Chop", "Bye Bye", "Go Go").
_STUTTER_WORDS = frozenset(
    {"a", "an", "and", "by", "for", "from", "in", "of", "on", "the", "to", "with", "edition", "editions"}
    | {
        squash(spelling)
        for vocabulary in (PLATFORMS, PRODUCT_TYPES, HARDWARE_TYPES)
        for canonical, spellings in vocabulary.items()
        for spelling in (canonical, *spellings)
        # one word with a letter in it: "3DS" and "N64", not the number "360" ("Xbox 360 360 Degree") or "Joy-Con"
        if re.fullmatch(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*", spelling)
    }
)


def _drop_redundant_brackets(title: str) -> str:
    """Remove empty brackets and a bracketed part that repeats text found elsewhere in the title."""
    title = re.sub(r"[(\[]\s*[)\]]", " ", title)
    for match in list(re.finditer(r"[(\[]([^()\[\]]{1,80})[)\]]", title)):
        inner = squash(match.group(1))
        rest = squash(title[: match.start()] + " " + title[match.end() :])
        if inner and len(inner) >= 2 and inner in rest:
            title = title.replace(match.group(0), " ", 1)
    return title


def _drop_stutter(match: re.Match[str]) -> str:
    word = match.group(1)
    return word if squash(word) in _STUTTER_WORDS else match.group(0)


def _dedupe_repeats(title: str) -> str:
    """'Switch Switch' -> 'Switch'; a ' - ' separated part that repeats an earlier one goes.

    A doubled word is dropped only when it is a stutter (_STUTTER_WORDS); any other doubled word may be a name
    and stays: "Chop Chop", "La La Land", "Bling Bling", "Hey Diddle Diddle", and numbers ("1 1/4-Inch"). A
    doubled brand ("Hitachi Hitachi") stays too: a harmless repeat, where guessing would break real names.
    """
    title = _REPEATED_WORD.sub(_drop_stutter, title)
    parts = re.split(r"\s+[-|]\s+", title)
    kept: list[str] = []
    for part in parts:
        if squash(part) and squash(part) not in {squash(k) for k in kept}:
            kept.append(part)
    return " - ".join(kept)


def title_case(title: str) -> str:
    """ALL-CAPS or all-lowercase titles -> title case; mixed-case titles keep their words, except that
    lowercase words (other than minor words) are capitalised."""
    words = title.split(" ")
    shouting = is_shouting(title, min_letters=6, share=0.7)
    out = []
    for i, word in enumerate(words):
        core = word.strip("()[]{}\"',.:;!?")
        if shouting or (core and core.islower()):
            out.append(_word_case(word, first=(i == 0)))
        else:
            out.append(word)
    return " ".join(out)


def clean_title(text: str | None, max_chars: int, input_chars: int = TITLE_INPUT_CHARS) -> str:
    """Rule-based title cleaning (see module doc). Returns "" for empty input."""
    if not text or not text.strip():
        return ""
    title = unescape_and_strip_markup(text[:input_chars]).replace("\n", " ")
    title = _DECORATION.sub(" ", title)
    title = _SELLER.sub(" ", title)
    title = _PROMO_TITLE.sub(" ", _PROMO_SHOUT.sub(" ", title))
    for pattern, replacement in _ABBREVIATIONS:
        title = pattern.sub(replacement, title)
    title = re.sub(r"[!]+", " ", title)  # exclamation marks never belong in a product title
    title = re.sub(r"\?{2,}|\*+|~+|={2,}|_{2,}|#{2,}", " ", title)
    title = re.sub(r"\s([-|,])(?:\s*[-|,])+(?=\s)", r" \1", title)  # "- -", ", ," left by removals
    title = repair_spacing(title)
    title = _drop_redundant_brackets(title)
    title = _dedupe_repeats(repair_spacing(title))
    title = title_case(title)
    title = repair_spacing(title).strip(" -|,;:/")
    if len(title) > max_chars:
        title = title[: max_chars + 1].rsplit(" ", 1)[0].rstrip(" -|,;:/(")
    for open_, close in (("(", ")"), ("[", "]")):
        if title.count(open_) > title.count(close):  # a bracket cut off by a length limit
            head = title[: title.rfind(open_)].rstrip(" -|,;:/")
            title = head if len(head) >= 10 else (title + close if len(title) < max_chars else head)
    return title
