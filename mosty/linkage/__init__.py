"""Record linkage for the detainee registry: many organisations' lists into persons, and an honest count.

A plain Python package (no Django, no database), used by `mosty link` and, later, by the detainee app's
background jobs. The entry points:

- `mosty.linkage.engine.link_records(records, decisions=..., options=...)` -> `LinkResult`
  (assignments, scored pairs for the review queue, the count with intervals);
- `mosty.linkage.records.read_records(paths)` and `Record`: the brief's CSV convention;
- `mosty.linkage.encoding.Encoder` and `read_encoded`: keyed encodings for privacy-preserving overlap;
- `mosty.linkage.names`, `dates`, `features`: the normalisation, usable on their own (search, display).

Modules import Splink and DuckDB only when a linkage runs, so importing this package is cheap.
docs/linkage.md describes the method.
"""
