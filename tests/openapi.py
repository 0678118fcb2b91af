"""Check a test client's response against the live OpenAPI schema, as schemathesis does in CI.

``assert_on_schema(response)`` finds the operation the request hit in the schema drf-spectacular
generates now, checks that the status is documented (with the headers the schema marks required
for it, e.g. ``Retry-After`` on a 429) and validates the body with schemathesis' own response
checks, so a regression test can pin a schema mismatch the fuzzer once found without fuzzing
again, errors included.
"""

from functools import cache

import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from schemathesis.core.transport import Response


@cache
def _schema():
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def assert_on_schema(response) -> None:
    request = response.wsgi_request
    path = request.path
    # Routes answer with or without the trailing slash; the schema lists the slashed form.
    operation = _schema().find_operation_by_path(
        request.method, path
    ) or _schema().find_operation_by_path(request.method, path.rstrip("/") + "/")
    assert operation is not None, f"{request.method} {request.path} is not in the schema"
    status = str(response.status_code)
    documented = operation.responses.status_codes
    assert status in documented, (
        f"{request.method} {request.path} answered {status}; documented: {', '.join(documented)}"
    )
    headers = operation.responses.get(status).definition.get("headers", {})
    for name, header in headers.items():
        if header.get("required"):
            assert name in response.headers, f"{status} without its required {name} header"
    converted = Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(request.method, request.build_absolute_uri()).prepare(),
        elapsed=0.0,
        verify=True,
    )
    operation.validate_response(converted)  # raises with schemathesis' explanation
