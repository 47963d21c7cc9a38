"""Fixed vocabulary of the synthetic Video Games world: platforms, genres, product kinds, word lists.

All names of franchises, publishers, brands, heroes and places are invented from the word lists below;
platform and console-maker names are real because they are the categories of the real catalogue.
Tuples, never sets, so that every draw is in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    key: str
    name: str  # as in the category tree
    aliases: tuple[str, ...]  # spellings seen in titles
    family: str
    maker: str
    launch: int
    end: int  # last year of the platform's active life
    weight: float  # share of catalogue and of users
    legacy: bool
    handheld: bool
    network: str  # where digital content is redeemed
    pad: str  # what its controller is called in text


PLATFORMS: tuple[Platform, ...] = (
    Platform("PS5", "PlayStation 5", ("PS5", "PlayStation 5", "Playstation 5", "PS 5"), "PlayStation", "Sony",
             2020, 2026, 0.06, False, False, "PlayStation Network", "wireless controller"),
    Platform("PS4", "PlayStation 4", ("PS4", "PlayStation 4", "Playstation 4", "PS 4", "PS4 Pro"), "PlayStation",
             "Sony", 2013, 2021, 0.20, False, False, "PlayStation Network", "wireless controller"),
    Platform("PS3", "PlayStation 3", ("PS3", "PlayStation 3", "Playstation 3"), "PlayStation", "Sony",
             2006, 2015, 0.07, True, False, "PlayStation Network", "wireless controller"),
    Platform("PS2", "PlayStation 2", ("PS2", "PlayStation 2", "Playstation2"), "PlayStation", "Sony",
             2000, 2010, 0.03, True, False, "PlayStation Network", "analog controller"),
    Platform("PSVITA", "PlayStation Vita", ("PS Vita", "PlayStation Vita", "PSV"), "PlayStation", "Sony",
             2012, 2017, 0.015, True, True, "PlayStation Network", "handheld"),
    Platform("XSX", "Xbox Series X", ("Xbox Series X", "Xbox Series X|S", "XSX", "Xbox Series S"), "Xbox",
             "Microsoft", 2020, 2026, 0.035, False, False, "Xbox Live", "wireless controller"),
    Platform("XONE", "Xbox One", ("Xbox One", "XBOX ONE", "Xbox One S", "Xbox One X", "XB1"), "Xbox",
             "Microsoft", 2013, 2021, 0.13, False, False, "Xbox Live", "wireless controller"),
    Platform("X360", "Xbox 360", ("Xbox 360", "XBOX 360", "X360"), "Xbox", "Microsoft",
             2005, 2014, 0.06, True, False, "Xbox Live", "wireless controller"),
    Platform("SWITCH", "Nintendo Switch", ("Nintendo Switch", "Switch", "NS", "Nintendo Switch Lite"),
             "Nintendo", "Nintendo", 2017, 2026, 0.15, False, True, "Nintendo eShop", "controller"),
    Platform("WIIU", "Wii U", ("Wii U", "WiiU", "Nintendo Wii U"), "Nintendo", "Nintendo",
             2012, 2017, 0.025, True, False, "Nintendo eShop", "gamepad"),
    Platform("WII", "Wii", ("Wii", "Nintendo Wii"), "Nintendo", "Nintendo",
             2006, 2013, 0.045, True, False, "Nintendo eShop", "remote"),
    Platform("3DS", "Nintendo 3DS", ("3DS", "Nintendo 3DS", "3DS XL", "New 3DS"), "Nintendo", "Nintendo",
             2011, 2019, 0.04, False, True, "Nintendo eShop", "handheld"),
    Platform("DS", "Nintendo DS", ("DS", "Nintendo DS", "NDS", "DS Lite"), "Nintendo", "Nintendo",
             2004, 2013, 0.03, True, True, "Nintendo eShop", "handheld"),
    Platform("GBA", "Game Boy Advance", ("Game Boy Advance", "GBA", "Gameboy Advance"), "Nintendo", "Nintendo",
             2001, 2008, 0.01, True, True, "Nintendo eShop", "handheld"),
    Platform("PC", "PC", ("PC", "PC Download", "Windows", "PC/Mac", "Windows 10"), "PC", "Generic",
             1995, 2026, 0.13, False, False, "PC game store", "keyboard and mouse"),
    Platform("MAC", "Mac", ("Mac", "Mac OS X", "macOS"), "Mac", "Generic",
             2000, 2026, 0.01, False, False, "Mac app store", "keyboard and mouse"),
    Platform("GENESIS", "Sega Genesis", ("Sega Genesis", "Genesis", "Mega Drive"), "Sega", "Sega",
             1989, 1997, 0.005, True, False, "online store", "controller"),
    # generic gear that fits many systems; never a user's main platform
    Platform("UNIVERSAL", "Multi-Platform", ("PS4 Xbox One PC", "PC PS5 PS4 Xbox Switch", "Universal",
             "Multi-Platform", "PS4/PS5/Xbox/Switch/PC"), "Universal", "Generic", 2010, 2026, 0.06, False, False,
             "online store", "controller"),
)
UNIVERSAL = len(PLATFORMS) - 1
GENESIS = next(i for i, p in enumerate(PLATFORMS) if p.key == "GENESIS")


@dataclass(frozen=True)
class Genre:
    name: str
    subgenres: tuple[str, ...]
    weight: float
    nouns: tuple[str, ...]
    verbs: tuple[str, ...]
    hooks: tuple[str, ...]  # sentences; {noun} {verb} {world} {hero} {sub} slots
    ratings: tuple[str, ...]  # ESRB draw list


GENRES: tuple[Genre, ...] = (
    Genre("Action", ("hack and slash", "beat 'em up", "stealth action", "open-world action"), 0.15,
          ("blades", "combos", "bosses", "hideouts", "arenas", "warlords"),
          ("slash", "dodge", "parry", "sneak past", "take down"),
          ("Chain devastating {noun} and {verb} your way through hordes of enemies.",
           "Master a fluid {sub} combat system built around timing and precision.",
           "Face towering {noun} that test every skill you have learned.",
           "Choose your approach: {verb} quietly or charge in head first.",
           "Unlock new abilities and upgrade your arsenal as you push deeper into {world}."),
          ("Teen", "Mature", "Mature", "Teen", "Everyone 10+")),
    Genre("Adventure", ("narrative adventure", "point-and-click", "survival adventure", "metroidvania"), 0.10,
          ("mysteries", "ruins", "secrets", "puzzles", "relics", "journals"),
          ("explore", "uncover", "investigate", "piece together", "survive"),
          ("Explore the forgotten corners of {world} and uncover its {noun}.",
           "A {sub} where every choice shapes the story of {hero}.",
           "{verb} hand-crafted environments full of hidden {noun}.",
           "Solve clever environmental puzzles and piece together what happened.",
           "Travel across a living world with a day and night cycle and changing weather."),
          ("Teen", "Everyone 10+", "Mature", "Teen")),
    Genre("Role-Playing", ("JRPG", "action RPG", "tactical RPG", "MMORPG", "dungeon crawler"), 0.12,
          ("quests", "party members", "dungeons", "skill trees", "loot", "classes"),
          ("recruit", "level up", "craft", "explore", "customize"),
          ("Embark on an epic {sub} journey across the realm of {world}.",
           "{verb} a party of unique heroes, each with their own story and skill tree.",
           "Hundreds of hours of {noun}, side stories and optional bosses.",
           "Create your character, choose a class and forge your own legend.",
           "Deep crafting and a turn-based battle system reward careful strategy."),
          ("Teen", "Teen", "Mature", "Everyone 10+")),
    Genre("Shooter", ("first-person shooter", "third-person shooter", "battle royale", "tactical shooter",
                      "arena shooter"), 0.12,
          ("loadouts", "maps", "squads", "weapons", "killstreaks", "campaign missions"),
          ("deploy", "breach", "outgun", "hold the line", "lock and load"),
          ("Fast, responsive {sub} gunplay with dozens of customizable {noun}.",
           "{verb} with your squad across large-scale multiplayer {noun}.",
           "A gripping single-player campaign follows {hero} into the heart of {world}.",
           "Unlock attachments, perks and cosmetics as you rank up.",
           "Cross-play and dedicated servers keep matches smooth and fair."),
          ("Mature", "Mature", "Teen")),
    Genre("Sports", ("football", "basketball", "soccer", "golf", "skateboarding", "hockey", "tennis",
                     "baseball"), 0.08,
          ("stadiums", "leagues", "rosters", "seasons", "tournaments", "career modes"),
          ("build", "manage", "compete", "train", "dominate"),
          ("The most authentic {sub} experience yet, with updated {noun} and commentary.",
           "{verb} your dream team and lead it to a championship.",
           "Play online ranked seasons or local matches with friends.",
           "Improved physics and animations make every play feel realistic.",
           "Career mode lets you create a player and rise from rookie to legend."),
          ("Everyone", "Everyone", "Everyone 10+")),
    Genre("Racing", ("kart racing", "rally", "arcade racing", "simulation racing"), 0.07,
          ("cars", "tracks", "circuits", "upgrades", "liveries", "championships"),
          ("drift", "boost", "tune", "race", "overtake"),
          ("Over 100 licensed-style {noun} and dozens of {sub} tracks.",
           "{verb} through dynamic weather and day-night races.",
           "Tune every part of your ride in the garage and share liveries online.",
           "Split-screen and online races for up to 12 players.",
           "A full championship career mode takes you around the world."),
          ("Everyone", "Everyone", "Everyone 10+")),
    Genre("Fighting", ("2D fighter", "arena fighter", "wrestling", "boxing"), 0.05,
          ("fighters", "combos", "stages", "tournaments", "special moves"),
          ("counter", "juggle", "block", "unleash", "master"),
          ("A roster of over 30 {noun}, each with unique {sub} move sets.",
           "{verb} devastating special moves and cinematic finishers.",
           "Ranked online, arcade, story and training modes.",
           "Rollback netcode for smooth online matches.",
           "Customize your fighter with unlockable costumes and victory poses."),
          ("Teen", "Teen", "Mature")),
    Genre("Platformer", ("2D platformer", "3D platformer", "run and gun"), 0.06,
          ("levels", "collectibles", "worlds", "power-ups", "secret exits"),
          ("jump", "dash", "wall-jump", "collect", "bounce"),
          ("Run, {verb} and glide through colorful {sub} worlds.",
           "Dozens of hand-crafted {noun} packed with hidden collectibles.",
           "Help {hero} rescue the kingdom of {world}.",
           "Local co-op lets a friend join at any time.",
           "Tight controls and a gentle difficulty curve for all ages."),
          ("Everyone", "Everyone", "Everyone 10+")),
    Genre("Puzzle", ("match-three", "physics puzzle", "logic puzzle", "word puzzle"), 0.04,
          ("puzzles", "levels", "brain teasers", "challenges"),
          ("solve", "match", "rotate", "connect"),
          ("Hundreds of {sub} {noun} that start simple and get fiendishly hard.",
           "{verb} pieces to clear the board and chase high scores.",
           "Relaxing music and a clean art style make it easy to pick up.",
           "Daily challenges and leaderboards keep you coming back."),
          ("Everyone", "Everyone")),
    Genre("Strategy", ("real-time strategy", "turn-based strategy", "4X", "tower defense", "city builder"), 0.06,
          ("armies", "cities", "factions", "campaigns", "resources"),
          ("command", "expand", "conquer", "manage", "outsmart"),
          ("{verb} vast {noun} in a deep {sub} game.",
           "Lead one of several asymmetric factions through a branching campaign across {world}.",
           "Balance economy, diplomacy and war to claim victory.",
           "Skirmish against the AI or challenge players online."),
          ("Teen", "Everyone 10+", "Teen")),
    Genre("Simulation", ("life sim", "farming sim", "flight sim", "management sim"), 0.06,
          ("farms", "towns", "aircraft", "businesses", "villagers"),
          ("build", "grow", "fly", "decorate", "befriend"),
          ("A relaxing {sub} where you {verb} at your own pace.",
           "Grow your {noun}, meet the locals and make {world} your home.",
           "Realistic systems and hundreds of items to unlock.",
           "Seasons, festivals and events change the world throughout the year."),
          ("Everyone", "Everyone", "Everyone 10+")),
    Genre("Horror", ("survival horror", "psychological horror"), 0.04,
          ("nightmares", "creatures", "corridors", "ammunition", "secrets"),
          ("survive", "hide", "escape", "scavenge", "confront"),
          ("A terrifying {sub} experience set in the abandoned halls of {world}.",
           "{verb} relentless {noun} with limited resources.",
           "Dynamic lighting and 3D audio keep tension high.",
           "Uncover the truth behind what happened to {hero}."),
          ("Mature", "Mature")),
    Genre("Family & Party", ("party game", "music & rhythm", "fitness", "educational"), 0.05,
          ("mini-games", "songs", "workouts", "party modes"),
          ("play", "dance", "compete", "laugh"),
          ("Over 50 {noun} for the whole family.",
           "{verb} together with up to four players on one screen.",
           "Easy to learn, hard to put down: the perfect {sub} for game night.",
           "Motion controls and simple button layouts for players of all ages."),
          ("Everyone", "Everyone", "Everyone 10+")),
)

# Product kinds: catalogue share, relative chance to pass the filter, relative chance to be interacted.
KINDS: tuple[tuple[str, float, float, float], ...] = (
    ("Game", 0.42, 1.35, 1.0),
    ("Accessory", 0.28, 0.80, 0.9),
    ("Hardware", 0.03, 1.00, 1.6),
    ("Digital", 0.08, 0.55, 0.5),
    ("Bundle", 0.03, 1.00, 0.6),
    ("Merchandise", 0.06, 0.75, 0.3),
    ("Replacement Part", 0.05, 0.70, 0.5),
    ("Other", 0.05, 0.80, 0.4),
)
GAME, ACCESSORY, HARDWARE, DIGITAL, BUNDLE, MERCH, PART, OTHER = range(len(KINDS))


@dataclass(frozen=True)
class AccessoryType:
    name: str
    short: str
    families: tuple[str, ...]  # platform families it exists for ("*" = any)
    weight: float
    leaf: str  # category leaf
    specs: tuple[str, ...]  # feature phrases
    connectivity: str | None


ACCESSORIES: tuple[AccessoryType, ...] = (
    AccessoryType("Wireless Controller", "Controller", ("*",), 0.20, "Controllers",
                  ("dual vibration motors", "ergonomic grip", "responsive analog sticks", "turbo function",
                   "built-in 800mAh rechargeable battery", "6-axis motion sensor", "programmable back buttons"),
                  "Wireless"),
    AccessoryType("Wired Controller", "Controller", ("*",), 0.06, "Controllers",
                  ("10 ft braided cable", "plug and play", "low-latency input", "dual rumble", "3.5mm audio jack"),
                  "Wired"),
    AccessoryType("Gaming Headset", "Headset", ("*",), 0.14, "Headsets",
                  ("50mm drivers", "noise cancelling microphone", "7.1 surround sound", "memory foam ear cushions",
                   "inline volume control", "RGB LED lighting"), "Wired"),
    AccessoryType("Charging Station", "Charger", ("PlayStation", "Xbox", "Nintendo"), 0.09, "Chargers",
                  ("dual charging ports", "LED charging indicator", "fast charge in 2 hours",
                   "overcharge protection", "non-slip base"), None),
    AccessoryType("Carrying Case", "Case", ("Nintendo", "PlayStation", "Universal"), 0.08, "Cases & Storage",
                  ("hard EVA shell", "holds 20 game cartridges", "shockproof lining", "mesh pocket", "zipper"),
                  None),
    AccessoryType("Skin Decal", "Skin", ("*",), 0.05, "Faceplates, Protectors & Skins",
                  ("vinyl wrap", "bubble-free adhesive", "precision cut", "residue-free removal"), None),
    AccessoryType("HDMI Cable", "Cable", ("PlayStation", "Xbox", "Nintendo", "PC", "Universal"), 0.04,
                  "Cables", ("4K 120Hz", "gold-plated connectors", "6 ft", "high speed 18Gbps"), "HDMI"),
    AccessoryType("Memory Card", "Memory", ("PlayStation", "Nintendo", "Xbox"), 0.05, "Memory",
                  ("128GB", "fast read speeds", "expand your storage", "plug and play"), None),
    AccessoryType("External Hard Drive", "Hard Drive", ("PlayStation", "Xbox", "PC"), 0.04, "Hard Drives",
                  ("2TB", "USB 3.0", "portable design", "preformatted", "store over 50 games"), "USB"),
    AccessoryType("Racing Wheel", "Wheel", ("PlayStation", "Xbox", "PC"), 0.03, "Racing Wheels",
                  ("force feedback", "270 degree rotation", "pedals included", "paddle shifters", "suction cups"),
                  "USB"),
    AccessoryType("Arcade Fight Stick", "Fight Stick", ("PlayStation", "Xbox", "PC", "Nintendo"), 0.02,
                  "Arcade Sticks", ("Sanwa-style buttons", "8-way joystick", "turbo function", "detachable cable"),
                  "Wired"),
    AccessoryType("Thumb Grips", "Thumb Grips", ("PlayStation", "Xbox", "Nintendo"), 0.04, "Controllers",
                  ("anti-slip silicone", "8 pack", "raised height", "multiple colors"), None),
    AccessoryType("Screen Protector", "Screen Protector", ("Nintendo", "PlayStation"), 0.04,
                  "Faceplates, Protectors & Skins",
                  ("tempered glass", "9H hardness", "anti-scratch", "bubble-free", "2 pack"), None),
    AccessoryType("Cooling Stand", "Stand", ("PlayStation", "Xbox"), 0.03, "Stands",
                  ("vertical stand", "cooling fan", "controller charger", "game storage"), "USB"),
    AccessoryType("Gaming Keyboard", "Keyboard", ("PC", "Mac", "Universal"), 0.04, "Gaming Keyboards",
                  ("mechanical switches", "RGB backlit", "anti-ghosting", "wrist rest", "104 keys"), "USB"),
    AccessoryType("Gaming Mouse", "Mouse", ("PC", "Mac", "Universal"), 0.04, "Gaming Mice",
                  ("16000 DPI sensor", "7 programmable buttons", "RGB lighting", "ergonomic shape",
                   "adjustable weights"), "USB"),
    AccessoryType("Mouse Pad", "Mouse Pad", ("PC", "Universal"), 0.02, "Gaming Mouse Pads",
                  ("extended XXL size", "stitched edges", "non-slip rubber base", "water resistant"), None),
    AccessoryType("Controller Battery Pack", "Battery", ("Xbox", "PlayStation", "Nintendo"), 0.03,
                  "Batteries & Chargers", ("2x 1200mAh", "rechargeable", "USB charging cable"), None),
    AccessoryType("Steering Wheel Attachment", "Wheel Attachment", ("Nintendo",), 0.01, "Controllers",
                  ("2 pack", "ergonomic design", "kart racing"), None),
    AccessoryType("Remote Control", "Remote", ("PlayStation", "Xbox"), 0.01, "Remotes",
                  ("media playback", "backlit buttons", "Bluetooth"), "Bluetooth"),
    AccessoryType("VR Headset Strap", "VR Strap", ("PlayStation", "PC"), 0.01, "Virtual Reality",
                  ("adjustable", "weight balance", "comfort padding"), None),
)

HARDWARE_VARIANTS = ("", "Slim", "Pro", "Digital Edition", "Limited Edition", "Standard Edition", "Lite")
HARDWARE_STORAGE = ("500GB", "1TB", "825GB", "32GB", "64GB", "2TB", "8GB", "")
COLORS = ("Black", "White", "Red", "Blue", "Camo", "Gray", "Midnight Black", "Glacier White", "Neon Blue/Red",
          "Pink", "Green", "Purple", "Gold", "Silver", "Transparent", "Cosmic Red", "Arctic Blue", "Black/Red")

EDITIONS = ("Standard Edition", "Standard Edition", "Standard Edition", "Deluxe Edition", "Collector's Edition",
            "Game of the Year Edition", "Limited Edition", "Day One Edition", "Complete Edition", "Gold Edition")
EDITION_ABBREV = {"Standard Edition": "Std. Ed.", "Deluxe Edition": "Deluxe Ed.", "Collector's Edition":
                  "Collector's Ed.", "Game of the Year Edition": "GOTY Ed.", "Limited Edition": "Ltd. Ed.",
                  "Day One Edition": "Day 1 Ed.", "Complete Edition": "Complete Ed.", "Gold Edition": "Gold Ed."}

DIGITAL_FORMS = ("Season Pass", "Expansion Pack", "Add-On", "Currency", "Gift Card", "Membership")
MERCH_FORMS = ("Strategy Guide", "Collectible Figure", "Poster", "T-Shirt", "Keychain", "Art Book",
               "Soundtrack Vinyl", "Plush")
PART_FORMS = ("Replacement Thumbsticks", "Shell Housing Case", "Repair Kit", "Replacement Buttons",
              "Cooling Fan", "Charging Port Replacement", "Trigger Springs", "Replacement Joystick Module")
OTHER_FORMS = ("Gaming Chair", "Gaming Desk", "LED Light Bar", "Controller Wall Mount", "Headset Stand",
               "Game Storage Tower", "Monitor Stand", "Cable Management Kit", "Blue Light Glasses",
               "Streaming Capture Card", "Webcam", "USB Hub")

# ---- word lists for invented names ----
FR_ADJ = ("Ember", "Hollow", "Crimson", "Astral", "Iron", "Silent", "Neon", "Frost", "Wild", "Lost", "Shattered",
          "Gilded", "Obsidian", "Radiant", "Sunken", "Feral", "Hidden", "Velvet", "Cobalt", "Ashen", "Thunder",
          "Copper", "Emerald", "Savage", "Cinder", "Phantom", "Arcane", "Glass", "Scarlet", "Amber", "Ivory",
          "Rusted", "Verdant", "Onyx", "Distant", "Wandering", "Howling", "Paper", "Tidal", "Quiet", "Clockwork",
          "Starlit", "Midnight", "Sable", "Brass", "Hallowed", "Winter", "Solemn", "Pale", "Vivid")
FR_NOUN = ("Crown", "Legion", "Frontier", "Drift", "Protocol", "Odyssey", "Dominion", "Circuit", "Tides", "Rift",
           "Covenant", "Vanguard", "Bastion", "Harbor", "Spire", "Outpost", "Reckoning", "Meridian", "Lantern",
           "Compass", "Citadel", "Garden", "Hymn", "Engine", "Orchard", "Sentinel", "Pilgrim", "Atlas", "Cascade",
           "Wardens", "Tactics", "Riders", "Expanse", "Monolith", "Pact", "Relic", "Gambit", "Voyagers", "Signal",
           "Throne")
SYL_A = ("Kael", "Vor", "Ily", "Mar", "Thes", "Orin", "Zan", "Bel", "Cal", "Dra", "Eri", "Fen", "Gal", "Hal",
         "Isk", "Jor", "Kyr", "Lio", "Myr", "Nor", "Osk", "Pyr", "Quel", "Ryn", "Syl", "Tor", "Ula", "Val", "Wyn",
         "Xel", "Yor", "Zeph")
SYL_PLACE = ("moor", "heim", "dara", "eth", "wyn", "os", "ia", "ar", "un", "ith", "ora", "gard", "mere", "vale",
             "spire", "holt")
SYL_NAME = ("a", "en", "ic", "o", "an", "is", "us", "ra", "el", "ia", "ek", "ine")
SUBTITLE_WORDS = ("Origins", "Reborn", "Eclipse", "Ascension", "Awakening", "Requiem", "Uprising", "Exodus",
                  "Revelations", "Aftermath", "Dawnbreak", "Echoes", "Homecoming", "Nightfall", "Resonance",
                  "Undertow", "Vendetta", "Wayfarer", "Zenith", "Convergence")
SUBTITLE_FORMS = ("Rise of the {noun}", "Return to {place}", "The {adj} {noun}", "{word}", "{word}",
                  "Shadows of {place}", "Heirs of {place}", "{adj} {word}", "The Last {noun}", "War for {place}")
FACTIONS = ("Order", "Syndicate", "Circle", "Guild", "Brotherhood", "Collective", "Dynasty", "Horde", "Council")

PUB_A = ("Bright Harbor", "Kestrel", "Polar Fox", "Nimbus", "Red Lantern", "Blue Comet", "Tall Pine", "Quartz",
         "Sundial", "Lighthouse", "Open Meadow", "Granite", "Northwind", "Hexagon", "Little Owl", "Copperleaf",
         "Starboard", "Silverline", "Paperkite", "Ninefold", "Orbit Arcade", "Moonwell", "Driftwood", "Tinderbox")
PUB_B = ("Interactive", "Games", "Studios", "Entertainment", "Publishing", "Digital", "Softworks", "Media")
BRAND_A = ("Volt", "Zen", "Nex", "Kor", "Astro", "Pulse", "Orbi", "Tek", "Quanta", "Vibe", "Arcu", "Flux",
           "Lumi", "Stryk", "Gamo", "Pixo", "Bolt", "Vexa", "Ryze", "Nova", "Kinet", "Axio", "Zyra", "Omni")
BRAND_B = ("ix", "o", "ar", "eon", "Gear", "Play", "tek", "Pro", "Max", "Forge", "Wave", "Link", "Core", "Grip")
STORE_SUFFIX = ("", "", "", "", " Store", " Official", " Direct", " Outlet", " US")
SELLERS = ("GameDealz Outlet", "Retro Vault Games", "Level Up Resale", "PixelPalace", "Top Shelf Gaming",
           "Discount Disc Depot", "Console Corner", "The Game Attic")

# Real franchise names that the combinations above must never produce by accident.
REAL_NAME_BLOCKLIST = ("iron man", "silent hill", "hollow knight", "solar ash", "shattered horizon",
                       "lost planet", "phantom dust", "thunder force", "endless legend", "rogue legacy",
                       "crimson skies", "wild arms", "astral chain", "iron harvest", "neon white",
                       "velvet assassin", "scarlet nexus", "winter's heart")

PROMO_WORDS = ("NEW!", "SALE", "LIMITED EDITION", "BEST SELLER", "FREE SHIPPING", "HOT!", "BRAND NEW",
               "FACTORY SEALED", "NEW IN BOX", "GREAT GIFT!")
SYMBOLS = ("★", "☆", "©", "®", "™", "♥", "✔", "➤", "•")
ESRB_DESCRIPTORS = ("Blood and Gore", "Violence", "Strong Language", "Fantasy Violence", "Mild Language",
                    "Suggestive Themes", "Use of Alcohol", "In-Game Purchases", "Users Interact", "Comic Mischief")
LANGUAGES = ("English", "English, Spanish, French", "English, French", "Japanese", "English, German, Italian")
# main_category of gear that is not filed under Video Games
MAIN_OTHER = ("All Electronics", "All Electronics", "Computers", "Amazon Home", "Toys & Games",
              "Cell Phones & Accessories", "Home Audio & Theater")
