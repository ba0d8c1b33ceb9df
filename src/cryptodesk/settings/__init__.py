"""Settings changed at run time: stored, validated, merged with the environment and the vault."""
