"""The Bedrock fake routes and authorises model calls as Bedrock does.

Callers are roles in the operations account with the policy under test; every
refusal is an ``AccessDeniedException`` (HTTP 403) and the call is not served.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fakes.aws import OPERATIONS_ACCOUNT, REGION, EmbeddedAws
from tests.fakes.bedrock_access import PROFILES

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
PROFILE_ID = f"us.{MODEL}"
PROFILE = f"arn:aws:bedrock:{REGION}:{OPERATIONS_ACCOUNT}:inference-profile/{PROFILE_ID}"
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": INVOKE, "Resource": resource, **extra}


def fm(region: str, model: str = MODEL) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def runtime(aws: EmbeddedAws, identity: dict[str, Any], region: str = REGION) -> Any:
    session = aws.account_session(OPERATIONS_ACCOUNT, role_name="bedrock-caller", policy=identity)
    return session.client("bedrock-runtime", region_name=region)


def converse(client: Any, model_id: str, **arguments: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.converse(
        modelId=model_id, messages=[{"role": "user", "content": [{"text": "hi"}]}], **arguments
    )
    return response


def refused(call: Any) -> str:
    with pytest.raises(ClientError) as error:
        call()
    response = error.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDeniedException", 403)
    return str(response["Error"]["Message"])


def test_direct_calls_only_to_granted_models_and_regions(aws: EmbeddedAws) -> None:
    client = runtime(aws, policy(allow(fm(REGION))))
    assert converse(client, MODEL)["output"]["message"]["content"][0]["text"] == "You said: hi"
    message = refused(lambda: converse(client, "amazon.nova-lite-v1:0"))
    assert message == (
        f"User: arn:aws:sts::{OPERATIONS_ACCOUNT}:assumed-role/bedrock-caller/bedrock-caller is not authorized to "
        f"perform: bedrock:InvokeModel on resource: {fm(REGION, 'amazon.nova-lite-v1:0')} because no identity-based "
        "policy allows the bedrock:InvokeModel action"
    )
    refused(lambda: converse(runtime(aws, policy(allow(fm(REGION))), "us-west-2"), MODEL))
    assert [call.model_id for call in aws.bedrock.calls] == [MODEL]  # refused calls are not served
    assert [r.resource for r in aws.authorizer.refusals_of("bedrock:InvokeModel")] == [
        fm(REGION, "amazon.nova-lite-v1:0"),
        fm("us-west-2"),
    ]


def test_streaming_needs_invoke_model_with_response_stream(aws: EmbeddedAws) -> None:
    client = runtime(aws, policy({"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": fm(REGION)}))
    converse(client, MODEL)
    refused(lambda: client.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}]))


THROUGH_PROFILE = policy(
    allow(PROFILE),
    allow(
        f"arn:aws:bedrock:*::foundation-model/{MODEL}",
        Condition={"StringEquals": {"bedrock:InferenceProfileArn": PROFILE}},
    ),
)


def test_a_profile_grant_reaches_every_destination_and_only_through_the_profile(aws: EmbeddedAws) -> None:
    client = runtime(aws, THROUGH_PROFILE)
    destinations = PROFILES[PROFILE_ID][REGION]
    for _ in range(2 * len(destinations)):
        converse(client, PROFILE_ID)
    assert Counter(call.region for call in aws.bedrock.calls) == dict.fromkeys(destinations, 2)
    refused(lambda: converse(client, MODEL))  # no direct call around the profile
    refused(lambda: converse(client, "us.amazon.nova-lite-v1:0"))  # another profile


def test_a_grant_limited_to_the_source_region_fails_at_other_destinations(aws: EmbeddedAws) -> None:
    client = runtime(aws, policy(allow([PROFILE, fm(REGION)])))
    outcomes = []
    for _ in PROFILES[PROFILE_ID][REGION]:
        try:
            converse(client, PROFILE)
            outcomes.append("served")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    assert sorted(outcomes) == ["AccessDeniedException", "AccessDeniedException", "served"]
    assert {r.resource for r in aws.authorizer.refusals} == {fm("us-east-2"), fm("us-west-2")}


def test_destinations_depend_on_the_source_region(aws: EmbeddedAws) -> None:
    profile_id = "us.anthropic.claude-3-haiku-20240307-v1:0"
    grant = policy(allow(["arn:aws:bedrock:*:*:inference-profile/*", "arn:aws:bedrock:*::foundation-model/*"]))
    for region, destinations in PROFILES[profile_id].items():
        aws.bedrock.reset()
        client = runtime(aws, grant, region)
        for _ in range(2 * len(destinations)):
            converse(client, profile_id)
        assert {call.region for call in aws.bedrock.calls} == set(destinations), region
    with pytest.raises(ClientError, match="ValidationException"):
        converse(runtime(aws, grant, "eu-west-1"), profile_id)  # not a source Region of a US profile
    with pytest.raises(ClientError, match="ValidationException"):
        converse(runtime(aws, grant), "us.example.no-such-model-v1:0")


def test_global_profiles_need_the_region_less_model_arn(aws: EmbeddedAws) -> None:
    model = "anthropic.claude-haiku-4-5-20251001-v1:0"
    profile = f"arn:aws:bedrock:{REGION}:{OPERATIONS_ACCOUNT}:inference-profile/global.{model}"
    source = allow([profile, fm(REGION, model)])
    region_less = allow(
        f"arn:aws:bedrock:::foundation-model/{model}",
        Condition={"StringEquals": {"aws:RequestedRegion": "unspecified"}},
    )
    converse(runtime(aws, policy(source, region_less)), f"global.{model}")
    refused(lambda: converse(runtime(aws, policy(source)), f"global.{model}"))


def application_profile(aws: EmbeddedAws, copy_from: str) -> str:
    control = aws.admin_session(OPERATIONS_ACCOUNT).client("bedrock", region_name=REGION)
    arn: str = control.create_inference_profile(inferenceProfileName="tenant-a", modelSource={"copyFrom": copy_from})[
        "inferenceProfileArn"
    ]
    return arn


def test_an_application_profile_routes_as_what_it_copies(aws: EmbeddedAws) -> None:
    app = application_profile(aws, PROFILE)
    grant = policy(
        allow(app),
        allow(
            f"arn:aws:bedrock:*::foundation-model/{MODEL}",
            Condition={"StringEquals": {"bedrock:InferenceProfileArn": app}},
        ),
    )
    client = runtime(aws, grant)
    destinations = PROFILES[PROFILE_ID][REGION]
    for _ in destinations:
        converse(client, app)
    assert {call.region for call in aws.bedrock.calls} == set(destinations)
    refused(lambda: converse(client, MODEL))  # the tenant cannot bypass its profile
    refused(lambda: converse(client, PROFILE_ID))  # nor use the system profile it copies


def test_an_application_profile_of_a_foundation_model_stays_in_its_region(aws: EmbeddedAws) -> None:
    app = application_profile(aws, fm(REGION))
    grant = policy(allow(app), allow(fm(REGION), Condition={"StringEquals": {"bedrock:InferenceProfileArn": app}}))
    client = runtime(aws, grant)
    converse(client, app)
    assert [call.region for call in aws.bedrock.calls] == [REGION]
    refused(lambda: converse(runtime(aws, policy(allow(fm(REGION)))), app))


def test_a_guardrail_condition_refuses_calls_without_that_guardrail(aws: EmbeddedAws) -> None:
    guardrail = aws.bedrock.add_guardrail("gr1abc", ["forbidden"], versions=("1", "2")).arn
    client = runtime(
        aws,
        policy(
            allow(fm(REGION), Condition={"StringEquals": {"bedrock:GuardrailIdentifier": f"{guardrail}:1"}}),
            {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": guardrail},
        ),
    )
    refused(lambda: converse(client, MODEL))
    refused(lambda: converse(client, MODEL, guardrailConfig={"guardrailIdentifier": "gr1abc", "guardrailVersion": "2"}))
    converse(client, MODEL, guardrailConfig={"guardrailIdentifier": "gr1abc", "guardrailVersion": "1"})
    converse(client, MODEL, guardrailConfig={"guardrailIdentifier": guardrail, "guardrailVersion": "1"})
    assert len(aws.bedrock.calls) == 2
