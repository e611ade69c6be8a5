"""The neutral core: plain Python that neither Rasa nor rasa_sdk is imported into.

Both the action server (`actions/`) and the Rasa-server code (`bot/`) build on it; it
imports neither of them.
"""
