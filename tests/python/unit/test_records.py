"""Records: schema, EMF metadata, content policies, encoding within the event limit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from bedrock_tenant.records import (
    MAX_MESSAGE_BYTES,
    SCHEMA_VERSION,
    TRUNCATED_FIELDS,
    ContentPolicy,
    InvocationRecord,
    encode_record,
    record_content,
)

PROMPT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Ünïcode prompt"}]


def make_record(**fields: Any) -> InvocationRecord:
    values: dict[str, Any] = {
        "tenant_id": "tenant-a",
        "model_id": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "region": "us-east-1",
        "run_id": "run-1",
        "status": "success",
        "latency_ms": 12.3456,
        "timestamp": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
    }
    values.update(fields)
    return InvocationRecord(**values)


def test_success_record_fields_and_emf() -> None:
    body = make_record(stop_reason="end_turn").to_dict("BedrockTenant")
    assert body["schema_version"] == SCHEMA_VERSION
    assert body["timestamp"] == "2026-01-02T03:04:05.678+00:00"
    assert body["latency_ms"] == 12.346
    assert (body["invocations"], body["errors"], body["throttles"]) == (1, 0, 0)
    assert "error_type" not in body
    emf = body["_aws"]
    assert emf["Timestamp"] == 1767323045678
    directive = emf["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "BedrockTenant"
    assert directive["Dimensions"] == [["tenant_id", "model_id"]]
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert names == {
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "latency_ms",
        "invocations",
        "errors",
        "throttles",
    }
    # EMF requires each metric and dimension as a top-level member of the event.
    for name in [*names, "tenant_id", "model_id"]:
        assert name in body
    for name in names:
        assert isinstance(body[name], int | float)
    json.dumps(body)


def test_throttled_error_record_counts_a_throttle() -> None:
    body = make_record(
        status="error",
        error_type="ThrottlingException",
        error_message="slow down",
        input_tokens=None,
        output_tokens=None,
        total_tokens=None,
    ).to_dict("NS")
    assert (body["errors"], body["throttles"]) == (1, 1)
    assert body["error_type"] == "ThrottlingException"
    names = {metric["Name"] for metric in body["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "input_tokens" not in names  # absent values are not declared as metrics


def test_streaming_record_declares_time_to_first_token() -> None:
    body = make_record(streaming=True, time_to_first_token_ms=3.21).to_dict("NS")
    names = {metric["Name"] for metric in body["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert "time_to_first_token_ms" in names
    assert body["streaming"] is True


def test_policy_none_keeps_nothing() -> None:
    assert record_content(ContentPolicy.NONE, PROMPT, "the answer", max_bytes=100) == {}


def test_policy_hash_keeps_only_digests() -> None:
    fields = record_content(ContentPolicy.HASH, PROMPT, "the answer", max_bytes=100)
    assert set(fields) == {"prompt_sha256", "response_sha256"}
    assert fields["response_sha256"] == hashlib.sha256(b"the answer").hexdigest()
    canonical = json.dumps(PROMPT, sort_keys=True, ensure_ascii=False).encode()
    assert fields["prompt_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert "Ünïcode" not in json.dumps(fields)


def test_policy_full_keeps_text() -> None:
    fields = record_content(ContentPolicy.FULL, PROMPT, "the answer", max_bytes=100)
    assert fields == {"prompt": PROMPT, "response": "the answer"}


@pytest.mark.parametrize("max_bytes", [1, 2, 3, 7])
def test_policy_full_clips_on_a_character_boundary(max_bytes: int) -> None:
    fields = record_content(ContentPolicy.FULL, None, "ééééé", max_bytes=max_bytes)
    assert fields[TRUNCATED_FIELDS] == ["response"]
    assert len(fields["response"].encode()) <= max_bytes
    assert fields["response"] == "é" * (max_bytes // 2)


def test_policy_full_names_each_clipped_text() -> None:
    prompt = [{"role": "system", "content": "short"}, {"role": "user", "content": "x" * 50}]
    fields = record_content(ContentPolicy.FULL, prompt, "y" * 50, max_bytes=10)
    assert fields[TRUNCATED_FIELDS] == ["prompt.1.content", "response"]
    assert fields["prompt"][0]["content"] == "short"


# -- text that is not valid Unicode (point 10) ----------------------------------

# Lone surrogates: half of an emoji cut by a tokenizer or a byte-level truncation.
BROKEN_TEXTS = [
    "\ud83d",  # a lone high surrogate
    "\ude00",  # a lone low surrogate
    "cut emoji \ud83d at the end",
    "\ude00\ud83d reversed pair",
    "mixed 😀 and \udbff and é",
]


@pytest.mark.parametrize("text", BROKEN_TEXTS)
@pytest.mark.parametrize("policy", list(ContentPolicy))
def test_unencodable_text_still_makes_a_record(text: str, policy: ContentPolicy) -> None:
    prompt = [{"role": "user", "content": text}]
    record = make_record(content=record_content(policy, prompt, text, max_bytes=1000), metadata={"k": text})
    encoded = encode_record(record.to_dict("NS"))
    parsed = json.loads(encoded.message.encode("utf-8"))  # valid UTF-8 and valid JSON
    repaired = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert "\ufffd" in repaired
    assert parsed["metadata"]["k"] == repaired
    if policy is ContentPolicy.FULL:
        assert (parsed["response"], parsed["prompt"][0]["content"]) == (repaired, repaired)
    if policy is ContentPolicy.HASH:
        # The digest is of the text a `full` record would hold.
        assert parsed["response_sha256"] == hashlib.sha256(repaired.encode()).hexdigest()


def test_a_valid_pair_split_into_two_code_points_is_joined() -> None:
    encoded = encode_record({"text": "\ud83d\ude00"})
    assert json.loads(encoded.message) == {"text": "😀"}


# -- encoding within the event limit (point 2) ----------------------------------

ALPHABETS = ["a", "é", "中", "😀", 'quote" back\\', "new\nline\ttab", "\x01control", 'mixé中😀"']


def emf_record(**fields: Any) -> dict[str, Any]:
    return make_record(streaming=True, time_to_first_token_ms=3.5, **fields).to_dict("BedrockTenant")


def oversized_records() -> Iterator[tuple[str, dict[str, Any]]]:
    """Records of every shape that can outgrow an event: many turns, one huge
    field, multibyte and escaped text, many small fields, heavy metadata, and
    more list items than fit even when every string is empty."""
    for alphabet in ALPHABETS:
        unit = len(alphabet)
        text = (alphabet * (40_000 // unit + 1))[:40_000]
        yield (
            f"9 turns of 30,000 chars [{alphabet!r}]",
            emf_record(
                content=record_content(
                    ContentPolicy.FULL,
                    [{"role": "user", "content": (alphabet * 30_000)[:30_000]} for _ in range(9)],
                    text,
                    max_bytes=32_768,
                )
            ),
        )
        yield f"one huge field [{alphabet!r}]", emf_record(content={"response": text * 30})
        yield (
            f"heavy metadata [{alphabet!r}]",
            emf_record(
                metadata={f"key-{n:02}": (alphabet * 256)[:256] for n in range(16)},
                content={"prompt": [{"role": "user", "content": text * 7}], "response": "short answer"},
            ),
        )
    yield "many small fields", emf_record(metadata={f"k{n}": f"value-{n}" for n in range(30_000)})
    yield "20,000 tiny turns", emf_record(content={"prompt": [{"role": "user", "content": "hi"}] * 20_000})
    yield "a non-EMF record", {"note": "x" * 500_000, "n": 1}


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _json_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode())


def assert_fitted(original: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """Every invariant of an encoded record; returns the parsed result."""
    encoded = encode_record(original, max_bytes)
    raw = encoded.message.encode("utf-8")
    assert encoded.size == len(raw) <= max_bytes
    parsed = json.loads(raw)
    assert isinstance(parsed, dict)
    if "_aws" in original:  # the metrics survive: the EMF block and every member it names
        assert parsed["_aws"] == original["_aws"]
        directive = original["_aws"]["CloudWatchMetrics"][0]
        members = [*directive["Dimensions"][0], *(metric["Name"] for metric in directive["Metrics"])]
        assert {name: parsed[name] for name in members} == {name: original[name] for name in members}
    assert encoded.truncated, "a record that did not fit must say what was cut"
    assert parsed[TRUNCATED_FIELDS] == list(encoded.truncated)
    flags = set(encoded.truncated)
    if any(".." in flag or "*" in flag for flag in flags):
        return parsed  # items were dropped or paths generalised: positions moved
    after = dict(_strings({k: v for k, v in parsed.items() if k != TRUNCATED_FIELDS}))
    cut_originals, whole = [], []
    for path, text in _strings(original):
        name = ".".join(map(str, path))
        if name in flags:  # cut, never rewritten: a prefix of the original
            assert text.startswith(after[path])
            cut_originals.append(_json_size(text))
        elif path[0] not in ("_aws", TRUNCATED_FIELDS):
            assert after[path] == text, f"{name} changed without being flagged"
            whole.append(_json_size(text))
    # Largest first: no string left whole is larger than one that was cut.
    assert max(whole, default=0) <= min(cut_originals)
    return parsed


@pytest.mark.parametrize(("case", "record"), list(oversized_records()), ids=[c for c, _ in oversized_records()])
def test_oversized_records_stay_valid_json_with_their_metrics(case: str, record: dict[str, Any]) -> None:
    assert len(json.dumps(record, ensure_ascii=False).encode()) > MAX_MESSAGE_BYTES, case
    assert_fitted(record, MAX_MESSAGE_BYTES)


@pytest.mark.parametrize("max_bytes", [2_000, 2_001, 4_099, 10_000, 65_536])
@pytest.mark.parametrize("alphabet", ALPHABETS)
def test_every_limit_and_encoding_is_met_exactly(max_bytes: int, alphabet: str) -> None:
    record = emf_record(
        content={
            "prompt": [{"role": "user", "content": alphabet * n} for n in (10, 300, 2_000, 5_000)],
            "response": alphabet * 70_000,
        },
        metadata={"user": "u-1"},
    )
    parsed = assert_fitted(record, max_bytes)
    assert parsed["metadata"] == {"user": "u-1"}  # small fields survive while large ones are cut
    assert parsed["tenant_id"] == "tenant-a"


def test_a_record_that_fits_is_left_alone() -> None:
    record = emf_record(content={"response": "é" * 1000})
    encoded = encode_record(record)
    assert encoded.truncated == ()
    assert json.loads(encoded.message) == record
    assert TRUNCATED_FIELDS not in encoded.message


def test_earlier_flags_are_kept() -> None:
    record = emf_record(content=record_content(ContentPolicy.FULL, None, "x" * 200_000, max_bytes=100_000))
    record["metadata"] = {"big": "y" * 200_000}
    parsed = assert_fitted(record, MAX_MESSAGE_BYTES)
    assert parsed[TRUNCATED_FIELDS][0] == "response"  # from the per-text cap
    assert "metadata.big" in parsed[TRUNCATED_FIELDS]


@pytest.mark.parametrize("max_bytes", [2_500, 3_000, 3_500])
def test_dimension_and_metric_members_are_never_cut(max_bytes: int) -> None:
    # A long (valid, <= 1,024 characters) model id is a dimension value: cutting it would
    # file the metrics under another model.
    record = make_record(model_id="m" * 1000, content={"response": "x" * 100_000}).to_dict("NS")
    parsed = assert_fitted(record, max_bytes)
    assert parsed["model_id"] == "m" * 1000
    assert parsed[TRUNCATED_FIELDS] == ["response"]
