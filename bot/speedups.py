"""Rasa 3.6 checks the action server's JSON schema against the JSON-Schema meta-schema on
every custom action call (`jsonschema.validate` re-validates the schema itself each time).
That is about 40 ms of CPU per call - more than half of a turn's CPU on this project (see
bench/load.py and docs/deploy.md). `install()` (called by bot/stores.py) makes
RemoteAction._validate_action_result build the validator once and reuse it: the same
validation of every response, with the same error, without re-checking Rasa's own schema.
SCREENER_RASA_SPEEDUPS=0 leaves Rasa as it is (to compare, or after a Rasa upgrade).
"""

from __future__ import annotations

import functools
import os
from typing import Any, Dict, Text

_installed = False


def install() -> None:
    global _installed
    if _installed or os.environ.get("SCREENER_RASA_SPEEDUPS", "1").strip() == "0":
        return
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    original = RemoteAction._validate_action_result

    @functools.lru_cache(maxsize=1)
    def validator() -> Any:
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)  # once
        return cls(schema)

    @functools.wraps(original)
    def validate_action_result(self, result: Dict[Text, Any]) -> bool:
        error = best_match(validator().iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = validate_action_result
    _installed = True
