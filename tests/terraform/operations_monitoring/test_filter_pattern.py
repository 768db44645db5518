"""tests/fakes/filter_pattern.py, the evaluator the metric filter's tests rely on,
checked against the examples of the CloudWatch Logs user guide ("Using filter
patterns to match terms in JSON log events": the documented event, the patterns that
match it, the compound examples with the outcomes the guide states) and its wildcard
rules. It needs no Terraform."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.filter_pattern import FilterPatternError, matches

# The guide's first example event.
EVENT: dict[str, Any] = {
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "ThisFlag": True,
}

# The guide's compound-conditions event.
COMPOUND: dict[str, Any] = {
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
}


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "UpdateTrail" }',
        "{ $.eventType = UpdateTrail }",  # alphanumeric strings need no quotes
        "{ $.sourceIPAddress != 123.123.* }",
        '{ $.arrayKey[0] = "value" }',
        "{ $.objectList[1].id = 2 }",
    ],
)
def test_the_guides_matching_examples_match(pattern: str) -> None:
    assert matches(pattern, EVENT)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
        (
            '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
            True,
        ),
        (
            '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && '
            "$.actions[2] = nomatch }",
            False,
        ),
    ],
)
def test_the_guides_compound_examples_have_the_outcomes_it_states(pattern: str, expected: bool) -> None:
    """&& binds tighter than ||; parentheses override both."""
    assert matches(pattern, COMPOUND) is expected


@pytest.mark.parametrize("quote", ["", '"'])
@pytest.mark.parametrize(
    ("value", "matching", "not_matching"),
    [
        ("*Event", ["PutEvent", "GetEvent", "Event"], ["EventId", "PutEvents"]),
        ("Event*", ["EventId", "EventName", "Event"], ["PutEvent", "event"]),
        ("*vent*", ["PutEvents", "Event"], ["Evnt"]),
        ("Ev*ent", ["Ev*ent"], ["Event", "Evxent"]),  # an inner * is literal
        ("*", ["anything", ""], []),
        ("Event", ["Event"], ["Events", "event", "PutEvent"]),  # case-sensitive, whole value
    ],
)
def test_wildcards_at_before_or_after_a_term_with_or_without_quotes(
    quote: str, value: str, matching: list[str], not_matching: list[str]
) -> None:
    pattern = f"{{ $.eventName = {quote}{value}{quote} }}"
    assert [matches(pattern, {"eventName": name}) for name in matching] == [True] * len(matching)
    assert [matches(pattern, {"eventName": name}) for name in not_matching] == [False] * len(not_matching)


def test_the_cloudtrail_guides_quoted_wildcards() -> None:
    """CloudTrail user guide, "Creating CloudWatch alarms for CloudTrail events:
    examples", authorization failures: quoted values with a leading or trailing *."""
    pattern = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    for code in ["UnauthorizedOperation", "Client.UnauthorizedOperation", "AccessDenied", "AccessDeniedException"]:
        assert matches(pattern, {"errorCode": code}), code
    for code in ["ThrottlingException", "NoSuchEntity", "accessdenied"]:
        assert not matches(pattern, {"errorCode": code}), code


@pytest.mark.parametrize("operator", ["=", "!="])
@pytest.mark.parametrize(
    "event",
    [
        {"users": [1, 2, 3]},  # the guide: an array is not a value node
        {"users": {"id": 1}},  # nor is an object
        {},  # the property is missing
        {"users": None},
    ],
)
def test_a_selector_without_a_value_node_matches_neither_way(operator: str, event: dict[str, Any]) -> None:
    assert not matches(f"{{ $.users {operator} 1 }}", event)


def test_numbers_compare_as_numbers_and_strings_as_text() -> None:
    assert matches("{ $.errorCode = 400 }", {"errorCode": 400})
    assert matches("{ $.errorCode != 500 }", {"errorCode": 400})
    assert matches("{ $.latency = 1.0 }", {"latency": 1})
    assert not matches('{ $.errorCode = "400" }', {"errorCode": 400})
    assert matches("{ $.recipientAccountId = 123456789012 }", {"recipientAccountId": "123456789012"})


def test_raw_log_text_is_parsed_and_non_json_matches_nothing() -> None:
    assert matches('{ $.a = "b" }', '{"a": "b"}')
    assert not matches('{ $.a = "b" }', "a=b plain text")
    assert not matches('{ $.a = "b" }', '["a", "b"]')


@pytest.mark.parametrize(
    "pattern",
    [
        "ERROR",  # an unstructured pattern
        "[ip, user, status_code = 4*]",  # a space-delimited pattern
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
        "{ $.ThisFlag = true }",  # booleans are IS TRUE / IS FALSE in the guide
        "{ $.latency >= 500 }",
        "{ $.message = %ERROR% }",
        '{ $.a = "say \\"hi\\"" }',
        "{ $.a = b",
        "{ ($.a = b }",
        "{ a = b }",
        '{ "$.a" = b }',
        "{ $.a = }",
        "{ $.a = b c }",
        "{ $.roleArn = arn:aws:iam::123456789012:role/x* }",  # an ARN must be quoted
        "{ $.user.email = John.Stiles@example.com }",
        "{ }",
    ],
)
def test_what_it_does_not_implement_is_refused_not_guessed(pattern: str) -> None:
    with pytest.raises(FilterPatternError):
        matches(pattern, EVENT)
