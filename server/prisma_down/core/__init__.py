"""The pure engine: history, SQL reading, catalog, inverses, rules. No LSP, no I/O to databases."""
