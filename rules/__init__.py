"""Policy packs shipped with minlint (installed as ``minlint.rules``)."""
