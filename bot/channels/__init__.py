"""The bot's channels: the web widget (socket.io), Slack and Messenger connectors.

The connectors are thin subclasses of Rasa's own: they keep Rasa's request parsing and add
what the clinic needs (configurable API address, signature checks, platform limits).
"""
