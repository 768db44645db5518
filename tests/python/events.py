"""HTTP events as each AWS source documents them, and the response format each expects.

* API Gateway REST API (and HTTP API payload 1.0):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
* API Gateway HTTP API payload 2.0:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
* Lambda function URLs (the 2.0 format): https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
* Application Load Balancer: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html

And the events of non-HTTP sources: an SQS event source mapping's batch
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) and the other sources'
sample events, as Powertools for AWS Lambda ships them (aws-powertools/powertools-lambda-python,
tests/events/*.json; the same samples as the Lambda guide's page of each service).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

__all__ = ["NON_HTTP_CONTENT", "NON_HTTP_EVENTS", "SOURCES", "assert_http_response", "sqs_event", "sqs_record"]


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


# -- non-HTTP sources ---------------------------------------------------------------

QUEUE_ARN = "arn:aws:sqs:us-east-2:123456789012:my-queue"


def sqs_record(body: Any, message_id: str, *, queue_arn: str = QUEUE_ARN) -> dict[str, Any]:
    """One message of an SQS batch (tests/events/sqsEvent.json's shape); ``body`` is sent as is."""
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-2",
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


# The text each sample carries; a handler's logs and errors must not repeat it.
NON_HTTP_CONTENT = ("Hello from SNS!", "lambda-artifacts-deafc19498e3f2df", "i-1234567890abcdef0", "New item!")

NON_HTTP_EVENTS: dict[str, tuple[str, dict[str, Any]]] = {
    # name: (what the error calls it, event)
    "s3": (
        "an Amazon S3 event notification",
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "us-east-2",
                    "eventTime": "2019-09-03T19:37:27.192Z",
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                    "requestParameters": {"sourceIPAddress": "205.255.255.255"},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
                        "bucket": {
                            "name": "lambda-artifacts-deafc19498e3f2df",
                            "arn": "arn:aws:s3:::lambda-artifacts-deafc19498e3f2df",
                        },
                        "object": {"key": "b21b84d653bb07b05b1e6b33684dc11b", "size": 1305107},
                    },
                }
            ]
        },
    ),
    "sns": (
        "an Amazon SNS notification",
        {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": "arn:aws:sns:us-east-2:123456789012:sns-lambda:21be56ed",
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                        "TopicArn": "arn:aws:sns:us-east-2:123456789012:sns-lambda",
                        "Subject": "TestInvoke",
                        "Message": "Hello from SNS!",
                        "Timestamp": "2019-01-02T12:45:07.000Z",
                        "MessageAttributes": {"Test": {"Type": "String", "Value": "TestString"}},
                    },
                }
            ]
        },
    ),
    "eventbridge": (
        "an Amazon EventBridge event",
        {
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2",
            "account": "111122223333",
            "time": "2017-12-22T18:43:48Z",
            "region": "us-west-1",
            "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
            "detail": {"instance_id": "i-1234567890abcdef0", "state": "terminated"},
        },
    ),
    "dynamodb": (
        "a DynamoDB stream batch",
        {
            "Records": [
                {
                    "eventID": "1",
                    "eventVersion": "1.0",
                    "dynamodb": {
                        "Keys": {"Id": {"N": "101"}},
                        "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                        "SequenceNumber": "111",
                        "SizeBytes": 26,
                    },
                    "awsRegion": "us-west-2",
                    "eventName": "INSERT",
                    "eventSourceARN": "arn:aws:dynamodb:us-west-2:123456789012:table/t/stream/2024-01-01T00:00:00.000",
                    "eventSource": "aws:dynamodb",
                }
            ]
        },
    ),
    "kinesis": (
        "a Kinesis stream batch",
        {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": "1",
                        "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                        "data": "eyJtZXNzYWdlIjogInRlc3QgbWVzc2FnZSIsICJ1c2VybmFtZSI6ICJ0ZXN0In0=",
                        "approximateArrivalTimestamp": 1545084650.987,
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
                    "eventName": "aws:kinesis:record",
                    "awsRegion": "us-east-2",
                    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
                }
            ]
        },
    ),
    # The Lambda console's default test event ("hello-world" template).
    "console": ("an event without any request field", {"key1": "value1", "key2": "value2", "key3": "value3"}),
    # A CloudWatch Logs subscription (the data is a gzipped, base64 payload).
    "cloudwatch_logs": ("an event without any request field", {"awslogs": {"data": "H4sIAAAAAAAAAHWPwQqCQBCGX0Xm"}}),
}
