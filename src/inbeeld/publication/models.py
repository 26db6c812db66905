"""Publication: the privacy-budget ledger of differentially private releases (models)."""
