"""Field diagnostics: explain error codes, derive profiles from certificates, audit configs."""
