#!/usr/bin/env python3
"""Checks every answer the order API tests received against api/openapi.json.

    openapi_check.py <openapi.json> <answers.jsonl>

Each line of answers.jsonl is {"method","target","status","headers","body"} (tests/integration/api_rig.hpp).
An answer must match a documented path and method, a documented status, the documented content type, the
schema of that content, and carry the documented headers. Exits 1 naming every answer that does not.
"""
import json
import re
import sys
from urllib.parse import urlsplit

import jsonschema


def validator_for(doc, schema):
    """A 2020-12 validator that resolves "#/components/…" against the whole document."""
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:  # jsonschema before 4.18 (Debian 12)
        resolver = jsonschema.RefResolver.from_schema(doc)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)
    registry = Registry().with_resource("urn:openapi", Resource(contents=doc, specification=DRAFT202012))
    return jsonschema.Draft202012Validator(rebase(schema), registry=registry)


def rebase(schema):
    """Points local references ("#/components/…") at the document registered as urn:openapi."""
    if isinstance(schema, dict):
        return {k: ("urn:openapi" + v if k == "$ref" and v.startswith("#") else rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [rebase(v) for v in schema]
    return schema


def resolve(doc, obj):
    """Follows a response's "$ref" to its definition."""
    while isinstance(obj, dict) and obj.get("$ref", "").startswith("#/"):
        node = doc
        for part in obj["$ref"][2:].split("/"):
            node = node[part]
        obj = node
    return obj


def operation_for(doc, method, path):
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template, item.get(method.lower())
    return None, None


def main():
    doc = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema({"$defs": doc["components"]["schemas"]})
    failures = []
    count = 0
    for number, line in enumerate(open(sys.argv[2]), 1):
        answer = json.loads(line)
        count += 1
        where = "line %d: %s %s -> %s" % (number, answer["method"], answer["target"], answer["status"])
        path = urlsplit(answer["target"]).path
        template, op = operation_for(doc, answer["method"], path)
        if op is None:
            failures.append(where + ": no such path and method in the document")
            continue
        responses = op["responses"]
        spec = responses.get(str(answer["status"]))
        if spec is None:
            failures.append(where + ": status not documented for %s %s" % (answer["method"], template))
            continue
        spec = resolve(doc, spec)
        for name in spec.get("headers", {}):
            if name.lower() not in answer["headers"]:
                failures.append(where + ": missing header " + name)
        content = spec.get("content", {})
        if not content:
            continue
        ctype = answer["headers"].get("content-type", "").split(";")[0].strip()
        if ctype not in content:
            failures.append(where + ": content type %r, documented %s" % (ctype, sorted(content)))
            continue
        try:
            body = json.loads(answer["body"])
        except ValueError:
            failures.append(where + ": the body is not JSON")
            continue
        validator = validator_for(doc, content[ctype]["schema"])
        for error in validator.iter_errors(body):
            failures.append(where + ": " + error.message[:300] + " at " + "/".join(str(p) for p in error.absolute_path))
    if count == 0:
        failures.append("no answers were recorded: run integration_api first")
    for f in failures:
        print(f)
    print("%d answers checked, %d problems" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
