"""Stage 5, analysis: disclosures, payloads, required checks, as evidence.
"""
