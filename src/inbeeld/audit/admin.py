# The audit log is read in the privacy officer's screens, never edited in the admin.
