"""The action server: the screening form's validation and the custom actions.

Each module holds one form or action; `actions/screening/` is the clinical engine, which
has no Rasa import. The action server loads them through `actions/registry.py`; importing
this package alone has no side effects.
"""
