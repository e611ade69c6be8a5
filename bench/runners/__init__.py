"""Simulated runners ("personas") played against the screener over REST: see README.md."""
