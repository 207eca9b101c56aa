"""The only package that touches keys, ciphers, signatures and security hashes.

Threats defended here:
- a stolen database or backup (envelope encryption: `keyprovider.py` -> `keyring.py` -> `fields.py`, files in
  `stream.py`, all sealed with AES-256-GCM in `aead.py`);
- a ciphertext moved or corrupted (associated data and tags, `fields.py`), one organisation reading another's
  records (per-organisation wrappings, `keyring.py`), data kept too long (crypto-shredding, `keyring.py`);
- a compromised key (rotation, `rotation.py`);
- a rewritten audit history (hash chain in `chain.py`, signed heads in `signing.py`);
- a stolen database used to log in (API tokens and recovery codes are stored only as hashes, `secrets.py`).
"""
