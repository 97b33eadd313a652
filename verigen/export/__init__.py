"""The export stage: verified records from the journal to Hugging Face ``datasets`` on disk."""
