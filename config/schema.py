"""drf-spectacular post-processing: the conventions every operation shares, written once.

Adds the error shape as a component, the error responses each kind of operation can give, and
the `Idempotency-Key` / `If-Match` headers where api.md says they apply.
"""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "detail"],
    "properties": {
        "code": {"type": "string", "description": "machine-readable, stable lowercase English"},
        "detail": {"type": "string", "description": "a human sentence in the request's language"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "per-field messages when specific fields are at fault",
        },
    },
}
DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "The role may not do this to an object it can see",
    "404": "Not found or outside the caller's scope",
    "405": "Method not allowed",
    "409": "Not allowed in the object's current state, or an Idempotency-Key reused",
    "412": "If-Match names a stale version",
    "429": "Too many requests",
}


def _error(code: str) -> dict:
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _header(name: str, description: str) -> dict:
    return {"in": "header", "name": name, "required": False, "schema": {"type": "string"}, "description": description}


def add_conventions(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        public_path = "/public/" in path
        for method, operation in operations.items():
            codes = ["400", "404", "429"] if public_path else ["400", "401", "403", "404", "429"]
            parameters = operation.setdefault("parameters", [])
            if method == "post":
                codes.append("409")
                parameters.append(_header("Idempotency-Key", "Same key from the same user within 24 h replays the first result."))
            if method in ("put", "patch") or (method == "post" and "{" in path):
                codes.append("412")
                parameters.append(_header("If-Match", 'The version the client last saw, e.g. "3".'))
            for code in codes:
                operation["responses"].setdefault(code, _error(code))
    return result
