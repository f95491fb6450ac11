#!/usr/bin/env python3
"""openapi-spec-validator's verdict on lotcheck's OpenAPI document, read by
tests/it/openapi.rs.

Reads the document (JSON) from standard input and prints
{"openapi": <its version>, "errors": [<one line per problem>]}: each error
the validator finds for the document's version (3.1 here), or the one that
stopped it (a reference that does not resolve stops it at once)."""
import json
import sys

from openapi_spec_validator import OpenAPIV31SpecValidator

document = json.load(sys.stdin)
errors = []
try:
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        where = "/".join(str(part) for part in error.absolute_path)
        errors.append(f"{where}: {error.message.splitlines()[0]}")
except Exception as stopped:  # e.g. referencing.exceptions.PointerToNowhere
    message = str(stopped).split(" within {")[0]
    errors.append(f"{type(stopped).__name__}: {message[:300]}")
print(json.dumps({"openapi": document.get("openapi"), "errors": errors}))
