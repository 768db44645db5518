"""Where the test suite finds its tools: one place, environment first.

``make`` exports TF_BIN, TF_CLI_CONFIG_FILE, TFLINT, TFLINT_PLUGIN_DIR,
TERRAFORM_DOCS and CHECKOV from the file ``tools/toolchain.sh`` writes; running
pytest directly falls back to reading that file. The one exception to
"environment wins" is the mirror's CLI config, see ``terraform_environment``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(
    os.environ.get("BTL_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bedrock-tenant-logging"
)
TOOLS = (
    "TF_BIN",
    "TF_CLI_CONFIG_FILE",
    "TFLINT",
    "TFLINT_PLUGIN_DIR",
    "TERRAFORM_DOCS",
    "CHECKOV",
    "IAM_EVALUATOR_MODULES",
    "LAMBDA_RIE",
)


@cache
def _written() -> dict[str, str]:
    path = CACHE_DIR / "toolchain.env"
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key] = value
    return values


def tool(name: str) -> str | None:
    """The configured value of ``name`` (environment wins), or None."""
    assert name in TOOLS, name
    return os.environ.get(name) or _written().get(name) or None


def terraform_environment() -> dict[str, str]:
    """Environment for Terraform subprocesses: mirror config, no checkpoint calls."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_VAR_")}
    env.update({"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"})
    # In air-gapped mode the mirror config must win over an ambient one (some
    # images point TF_CLI_CONFIG_FILE at a file that does not exist).
    config = _written().get("TF_CLI_CONFIG_FILE") or tool("TF_CLI_CONFIG_FILE")
    if config:
        env["TF_CLI_CONFIG_FILE"] = config
    else:  # registry mode: download each provider once
        plugin_cache = CACHE_DIR / "plugin-cache"
        plugin_cache.mkdir(parents=True, exist_ok=True)
        env.setdefault("TF_PLUGIN_CACHE_DIR", str(plugin_cache))
    return env
