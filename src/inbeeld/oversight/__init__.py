"""The privacy officer's screens: audit search, per-case access history, access alerts and the
break-glass review. They read the audit log (inbeeld.audit) and the cases it names, so they sit
above both (ADR 0012); inbeeld.audit itself keeps only the log, its chain and its checkpoints."""
