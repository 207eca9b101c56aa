"""Random passphrases for accounts created from the command line (`mosty init`, `mosty adduser`, the demo).

Threat: a guessable first password. A passphrase of 7 words drawn with `secrets` from 256 words carries
56 bits of entropy; with Argon2id hashing, account lockout and a mandatory second factor that is far beyond
online guessing, and it is easy to read from a terminal and type once before changing it.
"""

from __future__ import annotations

import secrets

# A block of words reads (and reviews) better than 256 quoted strings.
WORDS: tuple[str, ...] = tuple(
    """
    acorn actor adobe agent album alley amber anchor angle ankle apple apron arena armor arrow aspen atlas attic
    autumn avenue badge bakery bamboo banjo barley barrel basket beacon beaver bellow berry bicycle bison blanket
    blossom bonnet border bottle bracket breeze bridge brook bucket buffalo bundle butter button cabin cactus camel
    candle canoe canyon carpet castle cedar cellar cherry chimney cider circle citrus clover cobalt coconut comet
    compass copper coral cotton cradle crayon cricket crystal cupboard cushion daisy dancer delta desert diamond
    dolphin donkey dragon drum eagle echo elbow ember engine falcon feather fennel ferry fiddle fig finch flannel
    flute forest fossil fountain fox galaxy garden garlic gazelle ginger glacier globe goose granite grape gravel
    guitar hammer harbor harvest hazel hedgehog helmet heron hickory honey horizon iceberg igloo island ivory
    jacket jasmine jelly jigsaw journal juniper kayak kernel kettle kitten koala ladder lagoon lantern lemon lentil
    lilac linen lizard lobster locket lotus magnet mango maple marble meadow melon meteor mirror mitten monsoon
    mosaic muffin mustard napkin nectar needle nutmeg oasis oatmeal ocean olive onion orbit orchid otter owl paddle
    palace panda papaya parrot pebble pepper piano pickle pigeon pillow pine planet plum pocket pony poppy pumpkin
    puzzle quartz quill rabbit radish raft raven reef ribbon river robin rocket saddle saffron salmon sandal satin
    scarf shadow shell silver sketch sled spider sponge spruce squirrel stamp starling statue summit sunset swan
    tablet teapot thistle thunder tiger timber toast tomato torch tulip tunnel turtle umbrella valley velvet violet
    violin wagon walnut walrus willow window winter wizard yarrow yogurt zebra zephyr
    """.split()  # noqa: SIM905
)
if len(set(WORDS)) != 256:  # the entropy promised above depends on it
    raise RuntimeError("the passphrase word list must hold 256 distinct words")


def new_passphrase(words: int = 7) -> str:
    """A passphrase like `amber-canal-...`: `words` words (8 bits each) joined by hyphens."""
    return "-".join(secrets.choice(WORDS) for _ in range(words))
