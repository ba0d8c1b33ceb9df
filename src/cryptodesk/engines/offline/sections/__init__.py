"""The sections of the offline analyst's report, one module per kind of data."""
