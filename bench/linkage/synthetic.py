"""(b) Generated Cyrillic/Latin detainee lists from four organisations, and (d) the same lists encoded.

    uv run python bench/linkage/synthetic.py [--persons 5000] [--seeds 3] [--no-baseline] [--no-encoded]

For each seed: generates the lists (mosty.linkage.synthetic: Ukrainian and Russian forms, German, Polish,
French, Czech and English transliterations, diminutives, partial dates, typos, swapped and run-together
names, siblings as hard negatives, duplicates within a list), then measures

- blocking recall: the share of true pairs that the blocking rules put together (target >= 99.5%);
- mosty linkage (plaintext): pairwise precision, recall, F1, the unique-person count against the truth, and
  whether the 95% count interval contains the truth;
- the baseline: plain Splink on the raw columns (bench/linkage/common.py);
- encoded mode: the same lists encoded under a secret (keyed hashes and Bloom filters, no plaintext), linked
  by the same model; its F1 is compared with plaintext mode (target: within 0.03).

Prints one line per seed and method, and the medians over the seeds.
"""

from __future__ import annotations

import argparse
import time

from common import baseline_link, baseline_scores, median, scores_of

from mosty.linkage.encoding import Encoder
from mosty.linkage.engine import LinkOptions, link_features, link_records
from mosty.linkage.evaluate import blocking_recall
from mosty.linkage.features import record_features
from mosty.linkage.model import BLOCKING_RULES
from mosty.linkage.synthetic import generate

SECRET = b"benchmark secret shared by the organisations"


def _line(label, scores, persons, truth_persons, seconds, interval=None):
    error = (persons - truth_persons) / truth_persons
    text = (
        f"  {label:<10} precision {scores.precision:.4f} recall {scores.recall:.4f} F1 {scores.f1:.4f} | "
        f"clustered persons {persons} vs {truth_persons} ({error:+.2%})"
    )
    if interval:
        expected, low, high = interval
        text += f" expected {expected:.0f} ({(expected - truth_persons) / truth_persons:+.2%})"
        text += f" interval {low:.0f}-{high:.0f} {'covers' if low <= truth_persons <= high else 'MISSES'}"
    return text + f" | {seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-encoded", action="store_true")
    args = parser.parse_args()
    summary: dict[str, list[float]] = {}

    def note(key, value):
        summary.setdefault(key, []).append(value)

    for seed in range(1, args.seeds + 1):
        generated = generate(args.persons, seed=seed)
        records, truth, n_persons = generated.records, generated.truth, generated.persons
        features = [record_features(r) for r in records]
        recall = blocking_recall(features, [truth[r.ref] for r in records], BLOCKING_RULES)
        note("blocking recall", recall)
        print(f"seed {seed}: {len(records)} records, {n_persons} persons, blocking recall {recall:.4%}")

        started = time.perf_counter()
        result = link_records(records, options=LinkOptions(seed=seed))
        seconds = time.perf_counter() - started
        scores = scores_of(result, truth)
        persons = result.count.persons
        covered = persons.low <= n_persons <= persons.high
        note("plain F1", scores.f1)
        note("plain precision", scores.precision)
        note("plain recall", scores.recall)
        note("plain count error", (persons.point - n_persons) / n_persons)
        note("plain interval covers", float(covered))
        note("plain seconds", seconds)
        note("plain expected count error", (persons.expected - n_persons) / n_persons)
        print(_line("mosty", scores, persons.point, n_persons, seconds, (persons.expected, persons.low, persons.high)))

        if not args.no_baseline:
            labels, seconds, _ = baseline_link(records, seed=seed)
            base_scores, base_persons = baseline_scores(records, labels, truth)
            note("baseline F1", base_scores.f1)
            note("baseline precision", base_scores.precision)
            note("baseline recall", base_scores.recall)
            note("baseline count error", (base_persons - n_persons) / n_persons)
            note("baseline seconds", seconds)
            print(_line("baseline", base_scores, base_persons, n_persons, seconds))

        if not args.no_encoded:
            encoder = Encoder(SECRET)
            started = time.perf_counter()
            encoded = [encoder.encode_features(f) for f in features]
            rows = []
            from mosty.linkage.encoding import _bits

            for row in encoded:
                parsed = {k: (v or None) for k, v in row.items() if not k.endswith("_bf")}
                parsed["given_groups"] = row["given_groups"].split(";") if row["given_groups"] else None
                for key, value in row.items():
                    if key.endswith("_bf"):
                        parsed[key], parsed[f"{key}n"] = _bits(value)
                rows.append(parsed)
            enc_result = link_features(rows, [r.ref for r in records], mode="encoded", options=LinkOptions(seed=seed))
            seconds = time.perf_counter() - started
            enc_scores = scores_of(enc_result, truth)
            enc_persons = enc_result.count.persons
            note("encoded F1", enc_scores.f1)
            note("encoded count error", (enc_persons.point - n_persons) / n_persons)
            note("encoded seconds", seconds)
            note("encoded expected count error", (enc_persons.expected - n_persons) / n_persons)
            interval = (enc_persons.expected, enc_persons.low, enc_persons.high)
            print(_line("encoded", enc_scores, enc_persons.point, n_persons, seconds, interval))

    print(f"medians over {args.seeds} seeds ({args.persons} persons each):")
    for key, values in summary.items():
        value = median(values)
        shown = f"{value:.2%}" if "error" in key or ("recall" in key and "blocking" in key) else f"{value:.4f}"
        if "seconds" in key:
            shown = f"{value:.1f} s"
        if "covers" in key:
            shown = f"{sum(values):.0f} of {len(values)} seeds"
        print(f"  {key}: {shown}")


if __name__ == "__main__":
    main()
