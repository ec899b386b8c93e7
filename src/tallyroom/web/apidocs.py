"""The API's documentation for people, at `/docs`: a page rendered on the server from the app's own
OpenAPI description (`/openapi.json`), so it lists every route the API has, needs no script and nothing
from another site, and works offline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tallyroom.rules.parties import slug
from tallyroom.web.caching import cached_response, site_of
from tallyroom.web.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    """A parameter, or a property of a schema."""

    name: str
    where: str
    kind: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    body: str | None
    responses: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Schema:
    anchor: str
    name: str
    description: str
    fields: list[Field]


def kind(schema: dict[str, Any]) -> str:
    """A schema's type in words: `integer`, `list of Headline`, `string or null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for either in ("anyOf", "oneOf"):
        if either in schema:
            return " or ".join(dict.fromkeys(kind(s) for s in schema[either]))
    if schema.get("type") == "array":
        return f"list of {kind(schema.get('items', {}))}"
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {kind(schema['additionalProperties'])}"
    return str(schema.get("type", "any"))


def _body(operation: dict[str, Any]) -> str | None:
    content = operation.get("requestBody", {}).get("content", {})
    return ", ".join(f"{media} ({kind(c.get('schema', {}))})" for media, c in content.items()) or None


def _responses(operation: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {}).items()
        said = [f"{media}: {kind(c['schema'])}" if c.get("schema") else media for media, c in content]
        found.append((status, answer.get("description", ""), ", ".join(said)))
    return found


def operations(description: dict[str, Any]) -> dict[str, list[Operation]]:
    """Every operation of an OpenAPI description, grouped by its first tag, in the description's order."""
    groups: dict[str, list[Operation]] = {}
    for path, item in description.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            parameters = [
                Field(
                    p["name"],
                    p.get("in", ""),
                    kind(p.get("schema", {})),
                    bool(p.get("required")),
                    p.get("description", ""),
                )
                for p in op.get("parameters", [])
            ]
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                Operation(
                    slug(f"{method} {path}"),
                    method.upper(),
                    path,
                    op.get("summary", ""),
                    op.get("description", ""),
                    parameters,
                    _body(op),
                    _responses(op),
                )
            )
    return groups


def schemas(description: dict[str, Any]) -> list[Schema]:
    """The description's named schemas, with their properties."""
    found = []
    for name, schema in description.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [
            Field(prop, "", kind(spec), prop in required, spec.get("description", ""))
            for prop, spec in schema.get("properties", {}).items()
        ]
        found.append(Schema(f"schema-{slug(name)}", name, schema.get("description", ""), fields))
    return found


@router.get("/docs", name="api_docs")
async def docs(request: Request) -> Response:
    """The API described for people, from the app's OpenAPI description."""
    site = site_of(request)
    description = request.app.openapi()

    def make(_view: object) -> str:
        return render(
            "docs.html",
            site=site,
            pages=request.app.state.pages,
            title="API documentation",
            info=description.get("info", {}),
            openapi=request.app.url_path_for("openapi"),
            groups=operations(description),
            schemas=schemas(description),
            live=None,
        )

    return await cached_response(request, "page:docs", "text/html; charset=utf-8", make)
