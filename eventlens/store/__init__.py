"""The DuckDB store: schema, the single writer, and the queries exports and the API read through."""
