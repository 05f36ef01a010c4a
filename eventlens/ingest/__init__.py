"""Files, JSONL/CSV, HTML and stdin -> Article records; bad input -> Reject records with reasons."""
