"""A small evaluator of CloudWatch Logs JSON filter patterns: does a metric filter
count this log event?

It implements the part of the syntax that this project's metric filters use, as the
CloudWatch Logs user guide defines it ("Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail", section "Using filter
patterns to match terms in JSON log events"):

- a pattern is ``{ EXPRESSION }``;
- a term is ``SELECTOR = VALUE`` or ``SELECTOR != VALUE``; the selector starts with
  ``$`` and names properties (letters, digits, ``-`` and ``_``) with ``.`` and array
  elements with ``[NUMBER]`` (``$.users[0].id``, ``$.coordinates[0][1]``);
- a value is "a string with or without quotes"; strings with characters such as
  ``@`` or ``$`` "must be enclosed in double quotes to be valid" (this evaluator
  accepts unquoted only the characters of the guide's unquoted examples). In either
  form "you can use the asterisk '*' wildcard character to match any text at,
  before, or after a search term": ``*Event``
  matches ``PutEvent``, ``Event*`` matches ``EventId``, while ``Ev*ent`` "will only
  match the actual string Ev*ent". A lone ``*`` matches any value
  (``{ $.latency = * }``). The CloudTrail user guide's own alarm example puts the
  wildcard inside quotes: ``{ ($.errorCode = "*UnauthorizedOperation") ||
  ($.errorCode = "AccessDenied*") }`` ("Creating CloudWatch alarms for CloudTrail
  events: examples", authorization failures);
- a number value compares numerically with a number in the event (``$.user.id = 1``);
- terms combine with ``&&`` and ``||`` and parentheses, "standard order of
  operations () > && > ||";
- "The SELECTOR must point to a value node (string or number) in the JSON. If it
  points to an array or object, the filter will not be applied": both ``=`` and
  ``!=`` are false there. This evaluator reads a selector that points nowhere (a
  missing property, or ``null``) the same way: no value node, no match, for ``=``
  and ``!=`` alike (the guide offers ``NOT EXISTS`` and ``IS NULL`` for those).
- matching is case-sensitive ("Metric filters are case sensitive").

Anything else (``IS NULL``, ``NOT EXISTS``, ``IS TRUE``, ``<``/``>``, ``%regex%``,
escapes inside quotes, unstructured or space-delimited patterns) raises
``FilterPatternError`` rather than guessing: a test that needs more syntax must add
it here, with the guide's words.

    matches('{ ($.eventName = "AssumeRole") && ($.errorCode = "AccessDenied*") }', event)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FilterPatternError", "matches", "parse"]


class FilterPatternError(ValueError):
    """The pattern is malformed, or uses syntax this evaluator does not implement."""


@dataclass(frozen=True)
class Term:
    path: tuple[str | int, ...]
    negated: bool
    value: str
    quoted: bool


@dataclass(frozen=True)
class And:
    parts: tuple[Expression, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Expression, ...]


Expression = Term | And | Or

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<and>&&)
      | (?P<or>\|\|)
      | (?P<op>!=|=)
      | (?P<quoted>"(?P<text>[^"\\]*)")
      | (?P<bare>[^\s()"&|=!<>%]+)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_SELECTOR = re.compile(r"\$((?:\.[A-Za-z0-9_-]+|\[\d+\])*)")
_SELECTOR_PART = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]")
# Unquoted values: the guide's own unquoted examples use letters, digits, '.', '*'
# (123.123.*, *.8xlarge), '_' and signed numbers (+1000, 10e-3); it requires quotes for
# "unicode and other characters such as '@', '$', '\\'". Other characters (':' and '/'
# of an ARN, say) are refused unquoted rather than guessed.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.*+-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_UNSUPPORTED_WORDS = {"IS", "NOT", "EXISTS", "NULL", "TRUE", "FALSE"}


def _tokens(body: str) -> list[tuple[str, str, bool]]:
    """(kind, text, quoted) for each token of the expression inside the braces."""
    tokens: list[tuple[str, str, bool]] = []
    position = 0
    while position < len(body):
        found = _TOKEN.match(body, position)
        if found is None or found.end() == position:
            if body[position:].strip():
                raise FilterPatternError(f"cannot read the pattern at {body[position:]!r}")
            break
        position = found.end()
        kind = found.lastgroup
        assert kind is not None
        if kind == "other":
            raise FilterPatternError(f"unsupported syntax {found.group('other')!r} at {body[found.start() :]!r}")
        if kind == "text":  # the inner group of "quoted"
            kind = "quoted"
        if kind == "quoted":
            tokens.append(("value", found.group("text"), True))
        elif kind == "bare":
            word = found.group("bare")
            if word.upper() in _UNSUPPORTED_WORDS:
                raise FilterPatternError(f"unsupported operator {word!r} (this evaluator knows = and != only)")
            if not _UNQUOTED.fullmatch(word) and not _SELECTOR.fullmatch(word):
                raise FilterPatternError(f"{word!r} must be enclosed in double quotes")
            tokens.append(("value", word, False))
        else:
            tokens.append((kind, found.group(kind), False))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, bool]]) -> None:
        self._tokens = tokens
        self._next = 0

    def _peek(self) -> str | None:
        return self._tokens[self._next][0] if self._next < len(self._tokens) else None

    def _take(self, kind: str) -> tuple[str, str, bool]:
        if self._peek() != kind:
            found = self._tokens[self._next][1] if self._next < len(self._tokens) else "the end"
            raise FilterPatternError(f"expected {kind}, found {found!r}")
        token = self._tokens[self._next]
        self._next += 1
        return token

    def expression(self) -> Expression:
        parts = [self._conjunction()]
        while self._peek() == "or":
            self._take("or")
            parts.append(self._conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _conjunction(self) -> Expression:
        parts = [self._primary()]
        while self._peek() == "and":
            self._take("and")
            parts.append(self._primary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _primary(self) -> Expression:
        if self._peek() == "lparen":
            self._take("lparen")
            inner = self.expression()
            self._take("rparen")
            return inner
        _, selector, quoted = self._take("value")
        found = _SELECTOR.fullmatch(selector)
        if quoted or found is None or not found.group(1):
            raise FilterPatternError(f"not a property selector: {selector!r}")
        path: list[str | int] = []
        for name, index in _SELECTOR_PART.findall(found.group(1)):
            path.append(name if name else int(index))
        _, operator, _ = self._take("op")
        _, value, value_quoted = self._take("value")
        return Term(tuple(path), operator == "!=", value, value_quoted)

    def done(self) -> None:
        if self._next != len(self._tokens):
            raise FilterPatternError(f"unexpected {self._tokens[self._next][1]!r}")


def parse(pattern: str) -> Expression:
    """The expression of a JSON filter pattern; ``FilterPatternError`` if it is not one."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise FilterPatternError("only JSON filter patterns ({ ... }) are implemented")
    parser = _Parser(_tokens(text[1:-1]))
    expression = parser.expression()
    parser.done()
    return expression


_NO_VALUE = object()


def _select(event: Any, path: Sequence[str | int]) -> Any:
    node = event
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _NO_VALUE
            node = node[step]
        else:
            if not isinstance(node, Mapping) or step not in node:
                return _NO_VALUE
            node = node[step]
    return node


def _string_matches(expected: str, actual: str) -> bool:
    if expected == "*":
        return True
    leading, trailing = expected.startswith("*"), expected.endswith("*") and len(expected) > 1
    core = expected[1 if leading else 0 : len(expected) - 1 if trailing else len(expected)]
    if leading and trailing:
        return core in actual
    if leading:
        return actual.endswith(core)
    if trailing:
        return actual.startswith(core)
    return actual == expected  # an inner * is a literal character


def _term_matches(term: Term, event: Any) -> bool:
    node = _select(event, term.path)
    if isinstance(node, bool) or not isinstance(node, (str, int, float)):
        return False  # not a value node: the term does not apply, whatever its operator
    if isinstance(node, str):
        equal = _string_matches(term.value, node)
    elif term.value == "*":
        equal = True
    elif not term.quoted and _NUMBER.fullmatch(term.value):
        equal = float(term.value) == float(node)
    else:
        equal = False
    return equal != term.negated


def _evaluate(expression: Expression, event: Any) -> bool:
    if isinstance(expression, Term):
        return _term_matches(expression, event)
    if isinstance(expression, And):
        return all(_evaluate(part, event) for part in expression.parts)
    return any(_evaluate(part, event) for part in expression.parts)


def matches(pattern: str, event: Mapping[str, Any] | str) -> bool:
    """Whether a metric filter with ``pattern`` counts ``event`` (a parsed JSON log event,
    or its text: text that is not a JSON object matches no JSON pattern)."""
    expression = parse(pattern)
    if isinstance(event, str):
        try:
            event = json.loads(event)
        except json.JSONDecodeError:
            return False
        if not isinstance(event, Mapping):
            return False
    return _evaluate(expression, event)
