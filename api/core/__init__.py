"""Settings and security primitives of the review API."""
