"""CSV interchange (SPEC §3): validated, all-or-nothing, idempotent imports and lossless exports."""
