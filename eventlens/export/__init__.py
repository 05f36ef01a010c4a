"""Writers for PLOVER JSONL, articles, relations, places and the other export formats."""
