"""Command line: run the Lambda handler locally with the same environment.

    python -m bedrock_tenant invoke --prompt "Hello" [--system ...] [--max-tokens N]
        [--temperature T] [--metadata key=value ...] [--request-id ID]
    python -m bedrock_tenant invoke --event request.json   # or '-' for stdin

``--event`` takes any event the handler takes: a request, an HTTP event or an SQS batch.
Prints the handler's response as JSON; exits 1 when its status is 400 or above, when
an SQS batch has failures, or when the handler refuses the event (printed as an error;
in Lambda it is a function error).
Settings come from the BEDROCK_TENANT_* environment variables, as in Lambda.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from . import audit, report
from .errors import BedrockTenantError
from .handler import lambda_handler


@dataclass(frozen=True, slots=True)
class LocalContext:
    """The subset of the Lambda context object the handler reads."""

    aws_request_id: str
    function_name: str = "bedrock-tenant-local"


def _metadata(pairs: list[str]) -> dict[str, str]:
    metadata = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"--metadata expects key=value, got {pair!r}")
        metadata[key] = value
    return metadata


def _event(args: argparse.Namespace) -> dict[str, Any]:
    if args.event == "-":
        return dict(json.load(sys.stdin))
    if args.event:
        with open(args.event, encoding="utf-8") as source:
            return dict(json.load(source))
    event: dict[str, Any] = {"prompt": args.prompt}
    optional = {"system": args.system, "max_tokens": args.max_tokens, "temperature": args.temperature}
    event.update({key: value for key, value in optional.items() if value is not None})
    if args.metadata:
        event["metadata"] = _metadata(args.metadata)
    return event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bedrock_tenant", description="Run the Bedrock tenant Lambda handler locally."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    invoke = commands.add_parser("invoke", help="invoke the model through the Lambda handler")
    source = invoke.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompt", help="the user prompt")
    source.add_argument("--event", help="a JSON request file, or '-' for stdin")
    invoke.add_argument("--system", help="system prompt")
    invoke.add_argument("--max-tokens", type=int)
    invoke.add_argument("--temperature", type=float)
    invoke.add_argument("--metadata", action="append", default=[], metavar="KEY=VALUE")
    invoke.add_argument("--request-id", default=None, help="defaults to a random UUID")
    report.add_parser(commands)
    audit.add_parser(commands)
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is not None:  # a subcommand module's own entry point
        return int(args.run(args))

    try:
        event = _event(args)
    except (OSError, ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(str(exc))
    try:
        response = lambda_handler(event, LocalContext(args.request_id or str(uuid.uuid4())))
    except BedrockTenantError as exc:  # raised for events it does not serve, so that Lambda retries them
        print(json.dumps({"error": {"code": exc.code, "message": exc.message}}, indent=2))
        return 1
    print(json.dumps(response, indent=2, ensure_ascii=False))
    if "batchItemFailures" in response:
        return 1 if response["batchItemFailures"] else 0
    return 1 if response["statusCode"] >= 400 else 0


if __name__ == "__main__":
    sys.exit(main())
