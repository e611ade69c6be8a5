"""Write what the bot shows a runner (every response's wording and buttons, and each safety
question), for the writers of blind test data, who must not read the code.

    .venv/bin/python scripts/bot_shows.py > bot_shows.md
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    rules = yaml.safe_load((ROOT / "clinic" / "screening_rules.yml").read_text())
    out = ["# What the bot shows a runner", "", "## Safety questions, by group", ""]
    for group in rules["red_flag_groups"]:
        out.append(f"### {group['prompt']}  (buttons below, then 'None of these')")
        for flag in group["flags"]:
            out.append(f"- [{flag['label']}] {flag['question']}")
        out.append("")
    out += ["## Everything else the bot says (placeholders like {clinic_name} are filled in)", ""]
    for name, variants in domain.get("responses", {}).items():
        for variant in variants:
            text = " ".join(str(variant.get("text", "")).split())
            buttons = [b.get("title", "") for b in variant.get("buttons", [])]
            line = f"- `{name}`: {text}"
            if buttons:
                line += "  buttons: " + " | ".join(buttons)
            out.append(line)
    print("\n".join(out))


if __name__ == "__main__":
    main()
