"""The Fellegi-Sunter model: comparisons, blocking rules and training rules, as Splink 5 settings.

One model serves plaintext and encoded linkage. Both compare the same columns (`features.FEATURE_COLUMNS`); in
encoded mode each of those columns holds a keyed hash of the plaintext value (`encoding.py`), so every
comparison by equality (dates, name groups, exact keys, blocking) reads the same. Only the fuzzy name levels
differ: Jaro-Winkler similarity of the canonical keys in plaintext mode (the keys are a-z only, so DuckDB's
byte-based functions measure characters), Dice similarity of keyed Bloom filters of their bigrams in encoded
mode.

Term-frequency adjustments are on the exact levels of family name, given name and the two places: agreeing on
a rare family name says more than agreeing on Kovalenko.

`BLOCKING_RULES` are chosen to keep pairwise recall at or above 99.5% on the generated benchmark lists
(bench/linkage/synthetic.py measures it); each rule catches true pairs that the others miss: same family skeleton
and given-name group; same family skeleton and birth year; same given-name group and birth year-month; same full
birth date and birth place; same family key and patronymic group; same family skeleton and birth place; same given-
name group and birth month-day (a mistyped year); the first three letters of the family key with the given-name
group, or with the birth year and sex (a typo in the family name's consonants); place of detention and place of
birth, or family skeleton (names changed beyond recognition); the full birth date alone; given-name group and birth
year with birth place or patronymic, and the last six letters of the family key with the given-name group (a typo
early in the family name); the family skeleton with the given name's skeleton or the patronymic group (a typo in the
given name); and, for family and given names exchanged in a way normalisation could not repair, one record's family
name equal to the other's given name in the same birth year.
"""

from __future__ import annotations

from typing import Any, Literal

Mode = Literal["plain", "encoded"]

BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("family_skel", "given_block"),
    ("family_skel", "birth_year"),
    ("given_block", "birth_ym"),
    ("birth_full", "birth_place_key"),
    ("family_key", "patronymic_group"),
    ("family_skel", "birth_place_key"),
    ("given_block", "birth_md"),
    ("family_pref", "given_block"),
    ("family_pref", "birth_year", "sex"),
    ("detention_place_key", "birth_place_key"),
    ("family_skel", "detention_place_key"),
    ("birth_full",),
    ("given_block", "birth_year", "birth_place_key"),
    ("given_block", "patronymic_group", "birth_year"),
    ("family_tail", "given_block"),
    ("family_skel", "given_skel"),
    ("family_skel", "patronymic_group"),
)
"""Each tuple: columns that must all be equal (and not null) for a pair to be scored."""

TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (("family_skel", "given_block", "birth_place_key"), ("birth_full",))
"""EM runs on these blocks in turn; each estimates m for the comparisons its block does not fix."""

DETERMINISTIC_RULES: tuple[tuple[str, ...], ...] = (("family_key", "given_block", "birth_full"),)
"""Pairs these rules join are taken as near-certain matches to estimate the prior match rate."""
DETERMINISTIC_RECALL = 0.6

BLOOM_FIELDS = ("family_key", "given_key", "birth_place_key", "detention_place_key")
"""Fields that get a Bloom filter (`<field>_bf`, with its bit count `<field>_bfn`) in encoded mode."""


def _col(name: str) -> tuple[str, str]:
    return f'"{name}_l"', f'"{name}_r"'


def _null(name: str) -> dict[str, Any]:
    left, right = _col(name)
    return {"sql_condition": f"{left} IS NULL OR {right} IS NULL", "label_for_charts": "missing", "is_null_level": True}


def _exact(name: str, *, tf: bool = False, label: str = "agrees") -> dict[str, Any]:
    left, right = _col(name)
    level: dict[str, Any] = {"sql_condition": f"{left} = {right}", "label_for_charts": label}
    if tf:
        level |= {"tf_adjustment_column": name, "tf_adjustment_weight": 1.0, "tf_minimum_u_value": 0.001}
    return level


def _else() -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "differs"}


def _similar(name: str, mode: Mode, plain_threshold: float, encoded_threshold: float, label: str) -> dict[str, Any]:
    if mode == "plain":
        left, right = _col(name)
        sql = f"jaro_winkler_similarity({left}, {right}) >= {plain_threshold}"
    else:
        bf_left, bf_right = _col(f"{name}_bf")
        n_left, n_right = _col(f"{name}_bfn")
        sql = (
            f"({n_left} + {n_right}) > 0 AND "
            f"2.0 * bit_count({bf_left} & {bf_right}) / ({n_left} + {n_right}) >= {encoded_threshold}"
        )
    return {"sql_condition": sql, "label_for_charts": label}


def _comparison(name: str, description: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_description": description, "comparison_levels": levels}


def comparisons(mode: Mode) -> list[dict[str, Any]]:
    """The comparisons, best level first, as Splink settings dictionaries."""
    fam_l, fam_r = _col("family_skel")
    by_l, by_r = _col("birth_year")
    bp_l, bp_r = _col("birth_year_prev")
    bf_l, bf_r = _col("birth_full")
    bym_l, bym_r = _col("birth_ym")
    bs_l, _ = _col("birth_swapped")
    bmd_l, bmd_r = _col("birth_md")
    df_l, df_r = _col("detention_full")
    dym_l, dym_r = _col("detention_ym")
    dy_l, dy_r = _col("detention_year")
    gg_l, gg_r = _col("given_groups")
    pk_l, pk_r = _col("patronymic_key")
    pg_l, pg_r = _col("patronymic_group")
    fk_l, fk_r = _col("family_key")
    gk_l, gk_r = _col("given_key")
    bpk_l, bpk_r = _col("birth_place_key")
    family_exact = f"{fk_l} = {fk_r}"
    family_close = _similar("family_key", mode, 0.92, 0.8, "")["sql_condition"]
    family_loose = _similar("family_key", mode, 0.8, 0.6, "")["sql_condition"]
    patronymic_agrees = f"({pk_l} = {pk_r} OR {pg_l} = {pg_r})"
    place_agrees = f"{bpk_l} = {bpk_r}"
    place_close = f"({place_agrees} OR {_similar('birth_place_key', mode, 0.88, 0.7, '')['sql_condition']})"
    patronymic_differs = f"({pk_l} IS NOT NULL AND {pk_r} IS NOT NULL AND NOT {patronymic_agrees})"
    place_differs = f"({bpk_l} IS NOT NULL AND {bpk_r} IS NOT NULL AND NOT {place_close})"
    return [
        # Family name, patronymic and birth place in one comparison: siblings share all three, so counting
        # them as independent evidence (as separate comparisons would) makes brothers one person. Random
        # sampling sees how often non-matches agree on all three at once, and weighs the agreement by that.
        _comparison(
            "family",
            "family name, with patronymic and place of birth",
            [
                _null("family_key"),
                {
                    "sql_condition": f"{family_exact} AND {patronymic_agrees} AND {place_agrees}",
                    "label_for_charts": "family, patronymic and birthplace agree",
                },
                {
                    "sql_condition": f"{family_exact} AND {patronymic_agrees}",
                    "label_for_charts": "family and patronymic agree",
                },
                {
                    "sql_condition": f"{family_exact} AND {place_close}",
                    "label_for_charts": "family and birthplace agree",
                },
                {
                    "sql_condition": f"{family_exact} AND ({patronymic_differs} OR {place_differs})",
                    "label_for_charts": "family agrees, patronymic or birthplace differs",
                },
                {**_exact("family_key", tf=True), "label_for_charts": "family agrees"},
                {
                    "sql_condition": f"({family_close}) AND ({patronymic_agrees} OR {place_close})",
                    "label_for_charts": "family very similar, patronymic or birthplace agrees",
                },
                {"sql_condition": family_close, "label_for_charts": "family very similar"},
                {"sql_condition": f"({family_loose}) OR {fam_l} = {fam_r}", "label_for_charts": "family similar"},
                {
                    "sql_condition": f"{fk_l} = {gk_r} AND {gk_l} = {fk_r}",
                    "label_for_charts": "swapped with given name",
                },
                _else(),
            ],
        ),
        _comparison(
            "given",
            "given name",
            [
                _null("given_key"),
                _exact("given_key", tf=True),
                {"sql_condition": f"list_has_any({gg_l}, {gg_r})", "label_for_charts": "same name group"},
                _similar("given_key", mode, 0.88, 0.7, "similar"),
                {
                    # the family comparison already counts a swap; here it is neutral (m = u, fixed), so that
                    # one swap is not counted twice
                    "sql_condition": f"{gk_l} = {fk_r} AND {fk_l} = {gk_r}",
                    "label_for_charts": "swapped with family name",
                    "m_probability": 0.01,
                    "u_probability": 0.01,
                    "fix_m_probability": True,
                    "fix_u_probability": True,
                },
                _else(),
            ],
        ),
        _comparison("sex", "sex", [_null("sex"), _exact("sex"), _else()]),
        _comparison(
            "birth_date",
            "date of birth",
            [
                _null("birth_year"),
                _exact("birth_full"),
                {
                    "sql_condition": f"({bf_l} IS NULL OR {bf_r} IS NULL) AND ({bym_l} = {bym_r} OR "
                    f"(({bym_l} IS NULL OR {bym_r} IS NULL) AND {by_l} = {by_r}))",
                    "label_for_charts": "partial date agrees",
                },
                {
                    "sql_condition": f"{bs_l} = {bf_r} OR {bym_l} = {bym_r} OR {bmd_l} = {bmd_r}",
                    "label_for_charts": "one part differs",
                },
                {"sql_condition": f"{by_l} = {by_r}", "label_for_charts": "same year"},
                {"sql_condition": f"{by_l} = {bp_r} OR {bp_l} = {by_r}", "label_for_charts": "one year apart"},
                _else(),
            ],
        ),
        _comparison("citizenship", "citizenship", [_null("citizenship"), _exact("citizenship"), _else()]),
        _comparison(
            "detention_date",
            "date of detention",
            [
                _null("detention_year"),
                _exact("detention_full"),
                {
                    "sql_condition": f"({df_l} IS NULL OR {df_r} IS NULL) AND ({dym_l} = {dym_r} OR "
                    f"(({dym_l} IS NULL OR {dym_r} IS NULL) AND {dy_l} = {dy_r}))",
                    "label_for_charts": "partial date agrees",
                },
                {"sql_condition": f"{dy_l} = {dy_r}", "label_for_charts": "same year"},
                _else(),
            ],
        ),
        _comparison(
            "detention_place",
            "place of detention",
            [
                _null("detention_place_key"),
                _exact("detention_place_key", tf=True),
                _similar("detention_place_key", mode, 0.88, 0.7, "similar"),
                _else(),
            ],
        ),
    ]


SWAPPED_BLOCKING_RULES: tuple[str, ...] = (
    'l."family_key" = r."given_key" AND l."given_key" = r."family_key"',
    'l."family_key" = r."given_key" AND l."birth_year" = r."birth_year"',
    'l."given_key" = r."family_key" AND l."birth_year" = r."birth_year"',
)
"""Family and given names exchanged in one record and not repaired by normalisation (names outside the table)."""


def block_sql(columns: tuple[str, ...]) -> str:
    """A blocking rule as SQL: every column equal (SQL equality is false on NULL)."""
    return " AND ".join(f'l."{c}" = r."{c}"' for c in columns)


def settings(mode: Mode, *, probability_two_random_records_match: float = 1e-4) -> dict[str, Any]:
    """Splink settings for deduplicating one table of all sources' records (`unique_id`, `source`, features)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons(mode),
        "blocking_rules_to_generate_predictions": [block_sql(rule) for rule in BLOCKING_RULES]
        + list(SWAPPED_BLOCKING_RULES),
        "probability_two_random_records_match": probability_two_random_records_match,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


M_FLOOR = 0.002
"""No level's m probability is let below this after training.

EM gives m = 1e-60 to a level it never saw among matches (a patronymic that differs, say), which makes one typo
veto a match: a weight of -200 bits. With the floor, the strongest evidence against a match from one field is
about -9 bits, which other fields can still outweigh.
"""


def clamp_parameters(trained: dict[str, Any], m_floor: float = M_FLOOR, prior_if_none: float = 1e-4) -> dict[str, Any]:
    """A copy of trained Splink settings with every m at least `m_floor` (each comparison's m renormalised)
    and the prior match rate within [1e-7, 0.5] (`prior_if_none` where it could not be estimated)."""
    import copy

    out = copy.deepcopy(trained)
    # the prior: estimated from near-certain pairs, it is 0 when a tiny list has none
    prior = out.get("probability_two_random_records_match") or prior_if_none
    out["probability_two_random_records_match"] = min(max(float(prior), 1e-7), 0.5)
    for comparison in out["comparisons"]:
        levels = [
            lvl
            for lvl in comparison["comparison_levels"]
            if not lvl.get("is_null_level") and not lvl.get("fix_m_probability")
        ]
        # a level EM never saw among matches has no m (None): it gets the floor
        values = [lvl.get("m_probability") for lvl in levels]
        floored = [max(float(v) if isinstance(v, int | float) else 0.0, m_floor) for v in values]
        total = sum(floored)
        for level, value in zip(levels, floored, strict=True):
            level["m_probability"] = value / total
    return out
