"""Use cases. Each write service loads, asks the domain, writes and commits once."""
