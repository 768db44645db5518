"""HTTP events as each AWS source documents them, and the response format each expects.

* API Gateway REST API (and HTTP API payload 1.0):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
* API Gateway HTTP API payload 2.0:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
* Lambda function URLs (the 2.0 format): https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
* Application Load Balancer: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

__all__ = ["SOURCES", "assert_http_response"]


def rest_v1(body: Any = None) -> dict[str, Any]:
    """API Gateway REST API proxy event (and HTTP API payload 1.0, which adds version "1.0")."""
    event: dict[str, Any] = {
        "resource": "/invoke",
        "path": "/invoke",
        "httpMethod": "POST",
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {"content-type": ["application/json"]},
        "queryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": "/invoke", "httpMethod": "POST", "stage": "prod", "requestId": "a"},
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


def http_v1(body: Any = None) -> dict[str, Any]:
    return {**rest_v1(body), "version": "1.0"}


def http_v2(body: Any = None, *, function_url: bool = False) -> dict[str, Any]:
    """API Gateway HTTP API payload 2.0; a Lambda function URL sends the same format."""
    domain = "abc.lambda-url.us-east-1.on.aws" if function_url else "api.execute-api.us-east-1.amazonaws.com"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default" if function_url else "POST /invoke",
        "rawPath": "/invoke",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "domainName": domain,
            "http": {"method": "POST", "path": "/invoke", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
            "requestId": "b",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


def function_url(body: Any = None) -> dict[str, Any]:
    return http_v2(body, function_url=True)


def alb(body: Any = None, *, multi_value: bool = False) -> dict[str, Any]:
    """Application Load Balancer event; with multi-value headers enabled on the target group."""
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
        "httpMethod": "POST",
        "path": "/invoke",
        "isBase64Encoded": False,
        "body": "" if body is None else body,  # ALB sends an empty body rather than none
    }
    if multi_value:
        event |= {"multiValueHeaders": {"content-type": ["application/json"]}, "multiValueQueryStringParameters": {}}
    else:
        event |= {"headers": {"content-type": "application/json"}, "queryStringParameters": {}}
    return event


def alb_multi_value(body: Any = None) -> dict[str, Any]:
    return alb(body, multi_value=True)


SOURCES = {
    "rest_v1": rest_v1,
    "http_v1": http_v1,
    "http_v2": http_v2,
    "function_url": function_url,
    "alb": alb,
    "alb_multi_value": alb_multi_value,
}


def assert_http_response(source: str, response: dict[str, Any], status: int) -> dict[str, Any]:
    """The response format each source documents; returns the decoded body."""
    assert response["statusCode"] == status
    assert response["isBase64Encoded"] is False
    expected = {"statusCode", "isBase64Encoded", "body"}
    if source.startswith("alb"):
        expected.add("statusDescription")
        assert response["statusDescription"] == f"{status} {HTTPStatus(status).phrase}"
    if source == "alb_multi_value":
        expected.add("multiValueHeaders")
        assert response["multiValueHeaders"] == {"content-type": ["application/json"]}
    else:
        expected.add("headers")
        assert response["headers"] == {"content-type": "application/json"}
    assert set(response) == expected
    body = json.loads(response["body"])
    assert isinstance(body, dict)
    return body
