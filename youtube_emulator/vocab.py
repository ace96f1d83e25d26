"""Word lists for the generated titles, descriptions and transcripts."""

from __future__ import annotations

# Common spoken English, roughly in frequency order; the generator weights rank r with a Zipf
# law (1 / (r + 2.7)), so the head words dominate as in real speech.
COMMON_WORDS = """
the and to i you a it that of is in we this so it's what just know on be have for do but
they with can going was not it's are like one there if all get about that's right at this
my your them here think really go or an me as up now because out very when then people see
time make some want okay well also which more thing how he she would could these things
way these kind actually good first where over our any back look two other into much little
need something different going take because let us even let's through sure lot year work
will new those same many why still only every come said today start last point another
use part got while again down show most mean before might long great again give find around
three important question problem example same next better together maybe day always never
talk bit pretty whole idea small place case world real both each should few end hand since
number help keep means interesting try having fact able call change old big build course
second without simple enough quite move own already set left understand thought yeah feel
actually done whether means side top enough probably high easy often far away learn early
open close least state large follow form group begin seem turn study system small house
important play run hold bring write stand hear program word answer light water point line
step show level area result power money story game order book eye job face fact future
""".split()

TOPICS: dict[str, list[str]] = {
    "python": ["python", "function", "list", "dictionary", "class", "module", "loop", "debug"],
    "cooking": ["recipe", "pasta", "garlic", "oven", "sauce", "butter", "knife", "flavor"],
    "guitar": ["guitar", "chord", "strings", "riff", "tuning", "fret", "amp", "strumming"],
    "astronomy": ["telescope", "galaxy", "planet", "nebula", "orbit", "star", "comet", "moon"],
    "chess": ["chess", "opening", "gambit", "endgame", "bishop", "knight", "castle", "pawn"],
    "woodworking": ["wood", "chisel", "joinery", "sanding", "oak", "workbench", "plane", "glue"],
    "gardening": ["garden", "soil", "compost", "tomato", "seedling", "pruning", "mulch", "bulb"],
    "photography": ["camera", "lens", "aperture", "exposure", "portrait", "tripod", "light"],
    "cycling": ["bike", "cycling", "gear", "saddle", "climb", "cadence", "tyre", "route"],
    "finance": ["budget", "savings", "index", "fund", "interest", "retirement", "tax", "stock"],
    "history": ["empire", "castle", "battle", "medieval", "roman", "dynasty", "archive", "war"],
    "physics": ["quantum", "energy", "particle", "gravity", "momentum", "wave", "field", "mass"],
    "baking": ["bread", "dough", "yeast", "sourdough", "flour", "crust", "proofing", "loaf"],
    "running": ["marathon", "running", "pace", "stride", "training", "shoes", "interval"],
    "linux": ["linux", "kernel", "terminal", "shell", "package", "server", "bash", "systemd"],
    "databases": ["postgres", "index", "query", "table", "transaction", "schema", "replica"],
    "travel": ["travel", "flight", "hostel", "itinerary", "passport", "train", "island"],
    "music theory": ["harmony", "scale", "interval", "melody", "rhythm", "chord", "cadence"],
    "machine learning": ["model", "training", "dataset", "gradient", "neural", "embedding"],
    "home repair": ["drywall", "plumbing", "leak", "faucet", "wiring", "paint", "drill"],
    "birdwatching": ["birds", "binoculars", "warbler", "heron", "migration", "feeder", "owl"],
    "climbing": ["climbing", "boulder", "rope", "crag", "belay", "harness", "route", "grip"],
    "coffee": ["coffee", "espresso", "grinder", "roast", "brew", "beans", "crema", "pourover"],
    "electronics": ["circuit", "resistor", "soldering", "arduino", "voltage", "sensor", "led"],
}

ADJECTIVES = """
simple complete ultimate quick honest practical essential hidden surprising beginner advanced
modern classic weird underrated perfect easy definitive real tiny massive clever
""".split()

TITLE_TEMPLATES = [
    "How to {verb} {noun} in {n} minutes",
    "{Topic} for beginners: {noun} and {noun2}",
    "The {adj} guide to {topic}",
    "{n} {adj} {topic} tips nobody tells you",
    "Why your {noun} keeps failing ({topic} explained)",
    "I tried {topic} for {n} days - here's what happened",
    "{Topic} deep dive: the {adj} {noun}",
    "Stop making these {noun} mistakes | {Topic}",
    "{adj_cap} {noun}: a {topic} masterclass",
    "Live Q&A: {topic}, {noun} and {noun2}",
    "{Topic} in {year}: what changed?",
    "Building a {adj} {noun} from scratch",
]

VERBS = "fix build learn master choose clean plan start improve understand test tune".split()

# Inserted into spoken segments; "like" and "you know" twice because they are the most common.
FILLERS = ["like", "you know", "um", "like", "you know", "I mean", "basically", "kind of"]

CHANNEL_WORDS = """
Academy Lab Workshop Studio Corner Daily Explained Notes Journal Channel Garage Kitchen
Club Hub Talks Collective Guild Bureau Society Almanac
""".split()

FIRST_NAMES = """
Ada Ben Chloe Dmitri Elena Farid Grace Hiro Ines Jonas Kofi Lena Mateo Nadia Omar Priya
Quinn Rosa Sami Tove Umar Vera Wen Ximena Yusuf Zoe
""".split()

# Languages that tracks can be in or translated to, with YouTube's display names.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "ja": "Japanese",
    "it": "Italian",
    "nl": "Dutch",
    "ko": "Korean",
    "ru": "Russian",
}
FOREIGN_LANGUAGES = ["de", "es", "fr", "pt", "ja"]

SYLLABLE_CONSONANTS = "bdfgklmnprstvz"
SYLLABLE_VOWELS = "aeiou"
SIGNATURE_NOUNS = """
lantern protocol harbor engine meadow compass archive signal orchard beacon circuit canyon
ledger mosaic pendulum quarry ribbon summit tapestry voyage
""".split()
