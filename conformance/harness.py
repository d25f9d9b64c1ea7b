"""Machinery shared by the conformance tests.

Owns: the fixed API keys, starting/stopping a verifyd process on a private SQLite
database, the recording HTTP client the Stripe SDK talks through, a raw HTTP helper
that records the same way, and validation of every recorded response against
Stripe's OpenAPI spec (shared/reference/stripe-identity-openapi.json).

It must not know anything about individual tests; assertions live in test_*.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import requests
import stripe
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from requests.structures import CaseInsensitiveDict

CONFORMANCE_DIR = Path(__file__).resolve().parent
REPO = CONFORMANCE_DIR.parent
VERIFYD_BIN = Path(os.environ.get("VERIFYD_BIN") or REPO / "target" / "debug" / "verifyd")
REFERENCE_DIR = REPO.parent / "shared" / "reference"
SPEC_PATH = Path(os.environ.get("VERIFYD_OPENAPI") or REFERENCE_DIR / "stripe-identity-openapi.json")
FIXTURES_PATH = REFERENCE_DIR / "stripe-identity-fixtures.json"
# Extra keys the server returns that the spec does not declare are a conformance
# failure ("Stripe-exact" shapes). Set VERIFYD_CONFORMANCE_STRICT=0 to allow them.
STRICT_PROPERTIES = os.environ.get("VERIFYD_CONFORMANCE_STRICT", "1") != "0"

# Fixed keys handed to the server through VERIFYD_API_KEYS: prefix + >= 16 letters/digits.
SK_TEST = "sk_test_conformance0000000000000001"
SK_LIVE = "sk_live_conformance0000000000000001"
RK_TEST = "rk_test_conformance0000000000000001"
RK_LIVE = "rk_live_conformance0000000000000001"
PK_TEST = "pk_test_conformance0000000000000001"
PK_LIVE = "pk_live_conformance0000000000000001"
ALL_KEYS = [SK_TEST, SK_LIVE, RK_TEST, RK_LIVE, PK_TEST, PK_LIVE]

KEY_RE = re.compile(r"^(sk|rk|pk)_(test|live)_[A-Za-z0-9]{16,}$")


# --------------------------------------------------------------------------- recording


@dataclass
class Exchange:
    """One HTTP request/response pair as seen by a client."""

    source: str  # "sdk" or "raw"
    method: str
    url: str
    path: str
    query: str
    request_headers: CaseInsensitiveDict
    request_body: Optional[str]
    status: int
    headers: CaseInsensitiveDict
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self) -> str:
        q = f"?{self.query}" if self.query else ""
        return f"{self.method.upper()} {self.path}{q} -> {self.status}"


class Recorder:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def clear(self) -> None:
        self.exchanges = []

    def add(self, source, method, url, req_headers, req_body, status, headers, body) -> None:
        parsed = urllib.parse.urlsplit(url)
        if isinstance(req_body, bytes):
            req_body = req_body.decode("utf-8", "replace")
        self.exchanges.append(
            Exchange(
                source=source,
                method=method.lower(),
                url=url,
                path=parsed.path,
                query=parsed.query,
                request_headers=CaseInsensitiveDict(req_headers or {}),
                request_body=req_body,
                status=int(status),
                headers=CaseInsensitiveDict(headers or {}),
                body=body if isinstance(body, bytes) else str(body).encode(),
            )
        )

    def last(self, method: Optional[str] = None, path_prefix: str = "") -> Exchange:
        for ex in reversed(self.exchanges):
            if (method is None or ex.method == method.lower()) and ex.path.startswith(path_prefix):
                return ex
        raise AssertionError(f"no recorded {method or ''} request under {path_prefix!r}")


RECORDER = Recorder()


class RecordingHTTPClient(stripe.RequestsClient):
    """stripe-python's RequestsClient, plus a copy of every exchange in RECORDER."""

    def request(self, method, url, headers, post_data=None):
        content, status, rheaders = super().request(method, url, headers, post_data)
        RECORDER.add("sdk", method, url, headers, post_data, status, rheaders, content)
        return content, status, rheaders


HTTP_CLIENT = RecordingHTTPClient(timeout=30)


def raw(
    method: str,
    path: str,
    *,
    key: Optional[str] = SK_TEST,
    base: Optional[str] = None,
    basic_auth: bool = False,
    params=None,
    data=None,
    headers: Optional[dict] = None,
) -> requests.Response:
    """Send a hand-built request (for wire-format checks the SDK cannot express).

    The exchange is recorded like SDK traffic, so it is OpenAPI-validated too."""
    base = base or stripe.api_base
    hdrs = dict(headers or {})
    auth = None
    if key is not None:
        if basic_auth:
            auth = (key, "")
        else:
            hdrs["Authorization"] = f"Bearer {key}"
    if isinstance(data, (dict, list)):
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    resp = requests.request(
        method, base + path, params=params, data=data, headers=hdrs, auth=auth, timeout=30
    )
    body = resp.request.body
    RECORDER.add(
        "raw", method, resp.request.url, resp.request.headers, body, resp.status_code, resp.headers,
        resp.content,
    )
    return resp


# --------------------------------------------------------------------------- OpenAPI


def _normalize(node: Any) -> Any:
    """Turn OAS 3.0 `nullable` into something every validator agrees on.

    Stripe's spec puts `nullable: true` next to `anyOf` and next to `enum` lists that do
    not contain null (its own fixtures have `last_error.code: null`), which the strict
    OAS 3.0.3 reading rejects. Stripe's meaning is "null is also allowed", so
    `{nullable: true, ...s}` becomes `{anyOf: [{enum: [null]}, s]}`. In strict mode,
    object schemas with declared properties also get `additionalProperties: false`."""
    if isinstance(node, list):
        return [_normalize(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _normalize(v) for k, v in node.items()}
    if (
        STRICT_PROPERTIES
        and out.get("type") == "object"
        and isinstance(out.get("properties"), dict)
        and "additionalProperties" not in out
    ):
        out["additionalProperties"] = False
    if out.get("nullable") is True:
        out.pop("nullable")
        return {"anyOf": [{"enum": [None]}, out]}
    return out


def _explain(err):
    """The most useful leaf of an anyOf failure, ignoring the synthetic `null` branch."""
    seen = 0
    while err.context and seen < 10:
        seen += 1
        ctx = [
            c for c in err.context
            if not (c.validator == "enum" and c.validator_value == [None])
        ] or list(err.context)
        err = best_match(ctx)
    return err


class SpecValidator:
    URI = "urn:verifyd-conformance:openapi"

    def __init__(self, spec_path: Path) -> None:
        if not spec_path.exists():
            raise RuntimeError(f"OpenAPI spec not found at {spec_path} (set VERIFYD_OPENAPI)")
        spec = json.loads(spec_path.read_text())
        schemas = spec["components"]["schemas"]
        self.routes: list[tuple[re.Pattern, str, str, dict[str, str]]] = []
        n = 0
        for template, item in spec["paths"].items():
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, op in item.items():
                if method not in ("get", "post", "delete", "put", "patch"):
                    continue
                names = {}
                for status, resp in op.get("responses", {}).items():
                    schema = resp.get("content", {}).get("application/json", {}).get("schema")
                    if schema is None:
                        continue
                    n += 1
                    name = f"__conformance_response_{n}"
                    schemas[name] = schema
                    names[status] = name
                self.routes.append((re.compile(rx), template, method, names))
        # verifyd's test helpers are not in Stripe's spec; they return a VerificationSession,
        # so their 200s are held to the session schema too.
        helper_rx = re.compile(
            r"^/v1/test_helpers/identity/verification_sessions/[^/]+/(process|verify|require_input)$"
        )
        schemas["__conformance_test_helper"] = {
            "$ref": "#/components/schemas/identity.verification_session"
        }
        self.routes.append((helper_rx, "/v1/test_helpers/identity/verification_sessions/{session}/…",
                            "post", {"200": "__conformance_test_helper",
                                     "default": "__conformance_error"}))
        # Error schema for paths the spec does not know (e.g. a 404 for an unknown route).
        schemas["__conformance_error"] = {"$ref": "#/components/schemas/error"}
        self.spec = _normalize(spec)
        self.registry = Registry().with_resource(
            self.URI, Resource.from_contents(self.spec, default_specification=DRAFT4)
        )
        self._validators: dict[str, OAS30Validator] = {}

    def _validator(self, name: str) -> OAS30Validator:
        v = self._validators.get(name)
        if v is None:
            v = OAS30Validator(
                {"$ref": f"{self.URI}#/components/schemas/{name}"}, registry=self.registry
            )
            self._validators[name] = v
        return v

    def schema_name_for(self, method: str, path: str, status: int) -> tuple[Optional[str], str]:
        for rx, template, m, names in self.routes:
            if m == method and rx.match(path):
                key = "200" if status == 200 else "default"
                return names.get(key), f"{m.upper()} {template} [{key}]"
        if status != 200:
            return "__conformance_error", "error (path not in spec)"
        return None, "path not in spec"

    def problems(self, ex: Exchange) -> list[str]:
        out: list[str] = []
        rid = ex.headers.get("Request-Id")
        if not rid or not rid.startswith("req_"):
            out.append(f"{ex.describe()}: Request-Id header missing or not req_…: {rid!r}")
        name, label = self.schema_name_for(ex.method, ex.path, ex.status)
        if name is None:
            return out
        try:
            body = ex.json()
        except ValueError:
            out.append(f"{ex.describe()}: body is not JSON: {ex.body[:200]!r}")
            return out
        errors = sorted(self._validator(name).iter_errors(body), key=lambda e: list(e.path))
        for err in errors[:8]:
            detail = _explain(err)
            where = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in detail.absolute_path)
            out.append(
                f"{ex.describe()}: response does not match {label}: at {where}: {detail.message[:300]}"
            )
        if len(errors) > 8:
            out.append(f"{ex.describe()}: … and {len(errors) - 8} more schema errors")
        return out

    def check_all(self, exchanges: list[Exchange]) -> list[str]:
        problems: list[str] = []
        for ex in exchanges:
            problems.extend(self.problems(ex))
        return problems


_VALIDATOR: Optional[SpecValidator] = None


def validator() -> SpecValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = SpecValidator(SPEC_PATH)
    return _VALIDATOR


# --------------------------------------------------------------------------- server process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_status(url: str, timeout: float = 2.0) -> Optional[int]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


POSTGRES_SERVER = os.environ.get("VERIFYD_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def use_postgres() -> bool:
    """The suite runs on PostgreSQL when VERIFYD_TEST_DATABASE=postgres (else SQLite)."""
    return os.environ.get("VERIFYD_TEST_DATABASE") == "postgres"


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{POSTGRES_SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )


class VerifydServer:
    """One verifyd process listening on 127.0.0.1 with its own database: an SQLite file,
    or (VERIFYD_TEST_DATABASE=postgres) a PostgreSQL database made for it and dropped by
    `stop`."""

    def __init__(self, label: str = "server") -> None:
        self.label = label
        self.tmpdir = Path(tempfile.mkdtemp(prefix=f"verifyd-conformance-{label}-"))
        self.db_path = self.tmpdir / "verifyd.db"
        self.pg_database: Optional[str] = None
        if use_postgres():
            self.pg_database = "verifyd_t_" + uuid.uuid4().hex[:16]
            psql(f"CREATE DATABASE {self.pg_database}")
            self.database_url = f"{POSTGRES_SERVER}/{self.pg_database}"
        else:
            self.database_url = f"sqlite://{self.db_path}"
        self.log_path = self.tmpdir / "server.log"
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = dict(os.environ)
        env["VERIFYD_API_KEYS"] = ",".join(ALL_KEYS)
        env["RUST_LOG"] = "warn"
        # The master key that seals personal data: a file beside the server's state (the
        # PostgreSQL runs need one named; SQLite's default would sit beside the database).
        env["VERIFYD_MASTER_KEY_FILE"] = str(self.tmpdir / "master.key")
        # Live keys' default rate limit (100/s) could cut into a fast test; the limiter has
        # tests of its own.
        env["VERIFYD_RATE_LIMIT_LIVE"] = "0"
        return env

    def start(self, timeout: float = 30.0) -> "VerifydServer":
        if not VERIFYD_BIN.exists():
            raise RuntimeError(f"verifyd binary not found at {VERIFYD_BIN} (set VERIFYD_BIN)")
        last_err = ""
        for _attempt in range(3):  # a fresh port each time, in case another process took it
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [
                    str(VERIFYD_BIN), "serve",
                    "--database", self.database_url,
                    "--listen", f"127.0.0.1:{self.port}",
                ],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + timeout
            while True:
                if self.proc.poll() is not None:
                    last_err = f"verifyd exited with code {self.proc.returncode}"
                    break  # retry on another port
                if http_get_status(self.base_url + "/") == 200:
                    return self
                if time.monotonic() > deadline:
                    self._kill()
                    raise RuntimeError(
                        f"verifyd: GET / did not answer 200 within {timeout:.0f}s; log tail:\n"
                        + self.log_tail()
                    )
                time.sleep(0.1)
        raise RuntimeError(f"could not start verifyd ({last_err}); log tail:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def _kill(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        self._kill()
        if self.pg_database is not None:
            psql(f"DROP DATABASE IF EXISTS {self.pg_database} WITH (FORCE)")
            self.pg_database = None
        if os.environ.get("VERIFYD_KEEP_TMP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def keys_create(self, mode: str, key_type: str) -> subprocess.CompletedProcess:
        """`verifyd keys create --mode MODE --type TYPE --database URL`."""
        return subprocess.run(
            [
                str(VERIFYD_BIN), "keys", "create",
                "--mode", mode, "--type", key_type,
                "--database", self.database_url,
            ],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )


# --------------------------------------------------------------------------- small helpers


def unique(prefix: str = "conf") -> str:
    """A value no other test uses, to scope list filters on the shared server."""
    import uuid

    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def raw_json(obj) -> dict:
    """The exact JSON body the SDK received for `obj` (not the SDK's view of it)."""
    resp = getattr(obj, "last_response", None)
    if resp is None:
        raise AssertionError("object has no last_response")
    return json.loads(resp.body)
