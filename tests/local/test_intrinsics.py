"""The template's values resolved locally (no server)."""

from __future__ import annotations

import pytest

from lambdakit.local.endpoints import Endpoints, localize
from lambdakit.local.intrinsics import Resolver, local_api_id, parse_overrides

DOCUMENT = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "prod"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Required": {"Type": "String"},
    },
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    "Resources": {
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t-${x}"}},
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
    },
}


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(DOCUMENT, overrides={"Required": "r"}, region="eu-west-1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"Ref": "Stage"}, "prod", id="parameter-default"),
        pytest.param({"Ref": "Required"}, "r", id="parameter-override"),
        pytest.param({"Ref": "Names"}, ["a", "b"], id="comma-delimited-list"),
        pytest.param({"Ref": "AWS::Region"}, "eu-west-1", id="pseudo-region"),
        pytest.param({"Ref": "Fn"}, "Fn", id="function-logical-id"),
        pytest.param(
            {"Fn::GetAtt": ["Fn", "Arn"]},
            "arn:aws:lambda:eu-west-1:123456789012:function:Fn",
            id="getatt-arn",
        ),
        pytest.param(
            {"Fn::Sub": "${Fn.Arn}/x"},
            "arn:aws:lambda:eu-west-1:123456789012:function:Fn/x",
            id="sub-getatt",
        ),
        pytest.param(
            {"Fn::Sub": ["${A}-${AWS::AccountId}", {"A": {"Ref": "Stage"}}]},
            "prod-123456789012",
            id="sub-list-form",
        ),
        pytest.param({"Fn::Sub": "${!Literal}"}, "${Literal}", id="sub-literal"),
        pytest.param({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-prod", id="join"),
        pytest.param({"Fn::If": ["IsProd", "yes", "no"]}, "yes", id="if-condition"),
        pytest.param({"Fn::Select": [1, {"Fn::Split": [",", "x,y"]}]}, "y", id="select-split"),
        pytest.param({"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}, id="no-value"),
    ],
)
def test_resolve(resolver, value, expected):
    assert resolver.resolve(value) == expected


def test_a_table_resolves_to_its_table_name(resolver):
    assert resolver.resolve({"Ref": "Table"}) == "t-${x}"


def test_an_execute_api_url_of_a_local_api_points_at_the_local_server(resolver):
    url = resolver.resolve(
        {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"}
    )
    assert url == f"https://{local_api_id('Api')}.execute-api.eu-west-1.amazonaws.com/prod"
    endpoints = Endpoints(http="http://127.0.0.1:3000", https="https://127.0.0.1:3443")
    assert localize(url, endpoints) == "https://127.0.0.1:3443/prod"
    wss = resolver.resolve({"Fn::GetAtt": ["Api", "ApiEndpoint"]}) + "/prod"
    assert localize(wss, endpoints) == "ws://127.0.0.1:3000/prod"
    other = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert localize(other, endpoints) == other  # not an API served here


def test_what_cannot_be_resolved_is_listed(resolver):
    assert resolver.resolve({"Fn::ImportValue": "Shared"}).startswith("UNRESOLVED(")
    assert resolver.warnings


def test_a_parameter_without_default_or_override_is_an_error():
    with pytest.raises(ValueError, match="Required"):
        Resolver(DOCUMENT)


def test_parameter_overrides_as_sam_has_them():
    assert parse_overrides(["A=1 B='two words'", "ParameterKey=C,ParameterValue=3"]) == {
        "A": "1",
        "B": "two words",
        "C": "3",
    }


_RESOURCES = """\
Resources:
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Topic: {Type: AWS::SNS::Topic}
  Bucket: {Type: AWS::S3::Bucket}
  Machine: {Type: AWS::StepFunctions::StateMachine}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders}}
  Secret: {Type: AWS::SecretsManager::Secret}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
          QUEUE_ARN: !GetAtt Queue.Arn
          QUEUE_NAME: !GetAtt Queue.QueueName
          TOPIC_NAME: !GetAtt Topic.TopicName
          BUCKET_ARN: !GetAtt Bucket.Arn
          BUCKET_DOMAIN: !GetAtt Bucket.RegionalDomainName
          MACHINE: !Ref Machine
          BUS_ARN: !GetAtt Bus.Arn
          SECRET: !Ref Secret
          ODD: !GetAtt Topic.NoSuchAttribute
"""


def test_common_resources_resolve_as_cloudformation_documents_them(tmp_path):
    """The values an app's environment names: not placeholders, the forms AWS gives (a named
    queue's ARN and name are its QueueName's, an S3 ARN has no region or account); what stays
    unknown is named with the variable that holds it."""
    from lambdakit.local.template import read_template

    path = tmp_path / "template.yaml"
    path.write_text(_RESOURCES)
    local = read_template(path)
    env = dict(local.config.functions[0].environment)
    prefix = "arn:aws:{}:us-east-1:123456789012:"
    assert env["QUEUE_URL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    assert env["QUEUE_ARN"] == prefix.format("sqs") + "jobs"
    assert env["QUEUE_NAME"] == "jobs"
    assert env["TOPIC_NAME"] == "Topic"
    assert env["BUCKET_ARN"] == "arn:aws:s3:::bucket"
    assert env["BUCKET_DOMAIN"] == "bucket.s3.us-east-1.amazonaws.com"
    assert env["MACHINE"] == prefix.format("states") + "stateMachine:Machine"
    assert env["BUS_ARN"] == prefix.format("events") + "event-bus/orders"
    assert env["SECRET"] == prefix.format("secretsmanager") + "secret:Secret-000000"
    assert any(
        w.startswith("Fn: its environment variable ODD is UNRESOLVED(") for w in local.warnings
    )
