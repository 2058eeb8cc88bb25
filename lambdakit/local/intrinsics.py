"""A template's values, resolved locally as CloudFormation would resolve them on deploy.

``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::If`` with ``Conditions`` (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``),
``Fn::FindInMap``, ``Fn::Base64``, parameters (defaults, overridden SAM's way:
``--parameter-overrides Key=Value``) and pseudo parameters. Resources resolve to local names:
a function or a table to its ``FunctionName``/``TableName`` or else its logical id, an API to a
made-up id (``lk`` + 8 hex digits, so that its ``execute-api`` URLs can later be pointed at the
local server: ``endpoints.localize``), ARNs in account ``123456789012``. What cannot be known
locally (``Fn::ImportValue``, an unknown attribute) resolves to a placeholder and is listed in
``warnings``.

Example: ``{"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"}``
-> ``"https://lk3f2a9c01.execute-api.us-east-1.amazonaws.com/prod"``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
from typing import Any, Final

ACCOUNT_ID: Final = "123456789012"
DEFAULT_STACK: Final = "lambdakit-local"
_SUB = re.compile(r"\$\{([^}]*)\}")
_API_TYPES: Final = frozenset(
    {
        "AWS::ApiGatewayV2::Api",
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::ApiGateway::RestApi",
    }
)
_IMPLICIT_APIS: Final = ("ServerlessRestApi", "ServerlessHttpApi")


class _NoValue:
    """``AWS::NoValue``: the property is removed."""


NO_VALUE: Final = _NoValue()


def local_api_id(logical_id: str) -> str:
    return "lk" + hashlib.sha256(logical_id.encode()).hexdigest()[:8]


def parse_overrides(values: list[str]) -> dict[str, str]:
    """SAM's ``--parameter-overrides``: ``Key=Value`` pairs, space separated, quotes allowed;
    also ``ParameterKey=K,ParameterValue=V``."""
    overrides: dict[str, str] = {}
    for value in values:
        for item in shlex.split(value):
            if item.startswith("ParameterKey="):
                key_part, _, value_part = item.partition(",ParameterValue=")
                overrides[key_part.removeprefix("ParameterKey=")] = value_part
                continue
            key, sep, text = item.partition("=")
            if not sep:
                raise ValueError(f"--parameter-overrides: {item!r} is not Key=Value")
            overrides[key] = text
    return overrides


class Resolver:
    """Resolves values of one template. ``resolve(value)`` never raises for an intrinsic it
    cannot honour: it returns a placeholder and adds a line to ``warnings``."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        overrides: dict[str, str] | None = None,
        region: str = "us-east-1",
        stack_name: str = DEFAULT_STACK,
    ) -> None:
        self.resources: dict[str, Any] = document.get("Resources") or {}
        self.mappings: dict[str, Any] = document.get("Mappings") or {}
        self.region = region
        self.stack_name = stack_name
        self.warnings: list[str] = []
        self.parameters = self._parameters(document.get("Parameters") or {}, overrides or {})
        self._condition_definitions: dict[str, Any] = document.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}

    def _parameters(self, declared: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise ValueError(f"--parameter-overrides: the template has no parameter {unknown}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            spec = spec if isinstance(spec, dict) else {}
            if name in overrides:
                value: Any = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise ValueError(
                    f"parameter {name} has no Default: give it with --parameter-overrides "
                    f"{name}=VALUE"
                )
            kind = str(spec.get("Type", "String"))
            if kind == "CommaDelimitedList" or kind.startswith("List<"):
                value = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
            elif not isinstance(value, list):
                value = str(value)
            values[name] = value
        return values

    # -- conditions ---------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._condition_definitions:
                raise ValueError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._evaluate(self._condition_definitions[name]))
        return self._conditions[name]

    def _evaluate(self, value: Any) -> bool:
        if isinstance(value, dict) and len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Condition":
                return self.condition(str(argument))
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate(argument[0])
            if key == "Fn::And":
                return all(self._evaluate(a) for a in argument)
            if key == "Fn::Or":
                return any(self._evaluate(a) for a in argument)
        return bool(self.resolve(value))

    def included(self, resource: dict[str, Any]) -> bool:
        """Whether a resource exists: its ``Condition`` holds (or it has none)."""
        name = resource.get("Condition")
        return name is None or self.condition(str(name))

    # -- values -------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(str(argument))
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, argument)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _function(self, key: str, argument: Any) -> Any:
        if key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::Join":
            separator, items = argument
            return str(separator).join(str(v) for v in self._list(items))
        if key == "Fn::Select":
            index, items = argument
            return self._list(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = argument
            return str(self.resolve(text)).split(str(separator))
        if key == "Fn::If":
            name, if_true, if_false = argument
            return self.resolve(if_true if self.condition(str(name)) else if_false)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self._evaluate({key: argument})
        if key == "Fn::FindInMap":
            name, top, second = (str(self.resolve(a)) for a in argument[:3])
            try:
                return self.resolve(self.mappings[name][top][second])
            except KeyError:
                return self._unknown(f"Fn::FindInMap {name}.{top}.{second}")
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(argument)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if key == "Fn::ToJsonString":
            import json

            return json.dumps(self.resolve(argument))
        return self._unknown(f"{key} {argument!r}")

    def _list(self, items: Any) -> list[Any]:
        resolved = self.resolve(items)
        return resolved if isinstance(resolved, list) else [resolved]

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), dict(argument[1]) if len(argument) > 1 else {}
        else:
            text, variables = str(argument), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} is the literal ${Literal}
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB.sub(replace, text)

    # -- names --------------------------------------------------------------------------------

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/"
            f"{self.stack_name}/00000000-0000-0000-0000-000000000000",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in _IMPLICIT_APIS:
            return local_api_id(name)
        resource = self.resources.get(name)
        if not isinstance(resource, dict):
            return self._unknown(f"Ref {name} (no such parameter or resource)")
        return self.physical_name(name)

    def physical_name(self, logical_id: str) -> str:
        """What ``Ref`` gives for a resource, as CloudFormation documents it per type."""
        resource = self.resources.get(logical_id) or {}
        kind = resource.get("Type", "")
        if kind in _API_TYPES:
            return local_api_id(logical_id)
        name = self.resource_name(logical_id)
        arn = f"arn:aws:{{}}:{self.region}:{ACCOUNT_ID}:{{}}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{name}"
        if kind == "AWS::SNS::Topic":
            return arn.format("sns", name)
        if kind in _STATE_MACHINES:
            return arn.format("states", f"stateMachine:{name}")
        if kind == "AWS::SecretsManager::Secret":
            return arn.format("secretsmanager", f"secret:{name}-000000")
        if kind == "AWS::KMS::Key":
            return _key_id(logical_id)
        return name

    def resource_name(self, logical_id: str) -> str:
        """A resource's name: its name property, else a name derived from its logical id (as
        CloudFormation makes one up; lower case for an S3 bucket)."""
        resource = self.resources.get(logical_id) or {}
        kind = resource.get("Type", "")
        properties = resource.get("Properties") or {}
        named_by = _NAMED_BY.get(kind)
        if named_by and properties.get(named_by) is not None:
            return str(self.resolve(properties[named_by]))
        return logical_id.lower() if kind == "AWS::S3::Bucket" else logical_id

    def get_att(self, logical_id: str, attribute: str) -> Any:
        name = self.ref(logical_id) if logical_id in _IMPLICIT_APIS else None
        resource = self.resources.get(logical_id)
        if name is None and not isinstance(resource, dict):
            return self._unknown(f"Fn::GetAtt {logical_id}.{attribute} (no such resource)")
        kind = (resource or {}).get("Type", "AWS::Serverless::Api")
        physical = self.physical_name(logical_id) if resource else str(name)
        named = self.resource_name(logical_id) if resource else str(name)
        arn = f"arn:aws:{{}}:{self.region}:{ACCOUNT_ID}:{{}}"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return arn.format("lambda", f"function:{physical}")
        if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            if attribute == "Arn":
                return arn.format("dynamodb", f"table/{physical}")
            if attribute == "StreamArn":
                return arn.format("dynamodb", f"table/{physical}/stream/1970-01-01T00:00:00.000")
        if kind in _API_TYPES:
            if attribute in ("ApiId", "RestApiId"):
                return physical
            if attribute == "ApiEndpoint":
                properties = (resource or {}).get("Properties") or {}
                scheme = "wss" if properties.get("ProtocolType") == "WEBSOCKET" else "https"
                return f"{scheme}://{physical}.execute-api.{self.region}.amazonaws.com"
            if attribute == "RootResourceId":
                return "root"
        found = _attribute(kind, attribute, named, physical, arn, self.region)
        if found is not None:
            return found
        if attribute == "Arn":
            service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
            return arn.format(service, physical)
        return self._unknown(f"Fn::GetAtt {logical_id}.{attribute}")

    def _unknown(self, what: str) -> str:
        if what not in self.warnings:
            self.warnings.append(what)
        return f"UNRESOLVED({what})"


_NAMED_BY: Final = {
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::ApiGatewayV2::Stage": "StageName",
    "AWS::ApiGateway::Stage": "StageName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::StateMachine": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
}
_STATE_MACHINES: Final = frozenset(
    {"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"}
)


def _key_id(logical_id: str) -> str:
    """A KMS key id (a UUID), the same for the same logical id."""
    digest = hashlib.sha256(logical_id.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _attribute(
    kind: str, attribute: str, name: str, physical: str, arn: str, region: str
) -> str | None:
    """``Fn::GetAtt`` of the common resources an app's environment names, as CloudFormation
    documents them; ``None`` for one not known here."""
    if kind == "AWS::SQS::Queue":
        return {"Arn": arn.format("sqs", name), "QueueName": name, "QueueUrl": physical}.get(
            attribute
        )
    if kind == "AWS::SNS::Topic":
        return {"TopicArn": physical, "TopicName": name}.get(attribute)
    if kind == "AWS::S3::Bucket":
        return {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
        }.get(attribute)
    if kind in _STATE_MACHINES:
        return {"Arn": physical, "Name": name}.get(attribute)
    if kind == "AWS::Events::Rule" and attribute == "Arn":
        return arn.format("events", f"rule/{name}")
    if kind == "AWS::Events::EventBus":
        return {"Arn": arn.format("events", f"event-bus/{name}"), "Name": name}.get(attribute)
    if kind == "AWS::KMS::Key":
        return {"Arn": arn.format("kms", f"key/{physical}"), "KeyId": physical}.get(attribute)
    if kind == "AWS::IAM::Role":
        return {"Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "RoleId": name}.get(attribute)
    if kind == "AWS::Kinesis::Stream" and attribute == "Arn":
        return arn.format("kinesis", f"stream/{name}")
    if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
        return arn.format("logs", f"log-group:{name}:*")
    return None
