"""The only package that touches keys, ciphers, signatures and security hashes.

Threats defended here:
- a rewritten audit history (hash chain in `chain.py`, signed heads in `signing.py`);
- a stolen database used to log in (API tokens and recovery codes are stored only as hashes, `secrets.py`).
Issue 3 adds envelope encryption of identifying fields to this package.
"""
