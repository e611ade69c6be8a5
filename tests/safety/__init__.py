"""The adversarial red-flag safety suite (tests/safety/suite.py) and its pytest gate."""
