"""Stage 2, policy: the TOML packs (``rules/*.toml``) loaded, validated and merged.
"""
