#!/usr/bin/env python3
"""Checks that the deployment files agree with the node's source, which no cluster here can.

There is no Kubernetes cluster (and no Docker engine) on the machines that build Chorus, so
nothing ever runs these manifests. What a schema cannot catch, this does, reading the values
from where the node itself defines them, never from a list copied here:

- probe paths: the GET routes in Sources/ChorusServer/ChorusNode.swift. Readiness must be the
  route whose handler asks the bus `isReady`; liveness a route whose handler never mentions the
  bus (an outage of Redis must not restart every pod);
- the port: the default port in Sources/ChorusServer/NodeConfiguration.swift, or the ConfigMap's
  CHORUS_PORT, must be the container port, the Dockerfiles' EXPOSE and what the probes, Service,
  Ingress and ServiceMonitor point at (by name);
- environment names: every CHORUS_* name in the ConfigMap, the Secret, the Deployment, the
  Dockerfiles and docker-compose.yml must be one that `chorus serve` reads (the settings
  table, Sources/ChorusServer/Configuration/NodeSettings+Keys.swift);
- proxy limits: the Ingress body size is CHORUS_MAX_BODY, its timeouts above CHORUS_HEARTBEAT;
- the ServiceMonitor against the ServiceMonitor CRD's own schema (vendored in schemas/), since
  kubernetes-validate only knows built-in kinds; its path is checked against a `metrics` route
  once the node has one.

Run from anywhere: python3 deploy/kubernetes/check_manifests.py [--repo DIR]. Exit 1 on any
disagreement, with one line per problem. Needs PyYAML and jsonschema (validate.sh installs them).
"""

import argparse
import json
import pathlib
import re
import sys

import jsonschema
import yaml

HERE = pathlib.Path(__file__).resolve().parent


class Checker:
    def __init__(self, repo: pathlib.Path):
        self.repo = repo
        self.problems: list[str] = []
        self.notes: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)

    # ---- what the source says

    def routes(self) -> dict[str, str]:
        """GET route path -> the handler's text (up to the next route), from ChorusNode.swift."""
        source = (self.repo / "Sources/ChorusServer/ChorusNode.swift").read_text()
        body = source[source.index("func makeRouter"):]
        body = body[: body.index("return router")]
        pieces = re.split(r"(?=router\.\w+\()", body)
        routes = {}
        for piece in pieces:
            match = re.match(r'router\.get\("([^"]*)"', piece)
            if match:
                path = match.group(1)
                routes["/" + path.lstrip("/")] = piece
        if "/healthz" not in routes and "/readyz" not in routes:
            self.fail("found no health routes in ChorusNode.swift's makeRouter: has the router moved?")
        return routes

    def serve_variables(self) -> set[str]:
        """The CHORUS_* names `chorus serve` reads: one per `SettingKey("name", …)` in the
        settings table (Sources/ChorusServer/Configuration/NodeSettings+Keys.swift), `CHORUS_` and
        the name in upper case with underscores, and `…_FILE` for the secret ones."""
        text = (self.repo / "Sources/ChorusServer/Configuration/NodeSettings+Keys.swift").read_text()
        names = set()
        for line in text.splitlines():
            match = re.search(r'SettingKey\(\s*"([a-z0-9-]+)"', line)
            if not match:
                continue
            variable = "CHORUS_" + match.group(1).upper().replace("-", "_")
            names.add(variable)
            if "isSecret: true" in line:
                names.add(variable + "_FILE")
        for essential in ("CHORUS_PORT", "CHORUS_HOST", "CHORUS_REDIS_URL"):
            self.expect(essential in names, f"{essential} not found in NodeSettings+Keys.swift: has the way settings are read changed? Update check_manifests.py")
        return names

    def default_port(self) -> int:
        text = (self.repo / "Sources/ChorusServer/NodeConfiguration.swift").read_text()
        match = re.search(r'port:\s*Int\s*=\s*(\d+)', text)
        if not match:
            self.fail("the default port is not found in Sources/ChorusServer/NodeConfiguration.swift")
            return -1
        return int(match.group(1))

    # ---- the manifests

    def load(self, name: str) -> list[dict]:
        with open(HERE / name) as handle:
            return [doc for doc in yaml.safe_load_all(handle) if doc]

    def one(self, name: str, kind: str) -> dict:
        docs = [doc for doc in self.load(name) if doc.get("kind") == kind]
        if len(docs) != 1:
            self.fail(f"{name}: expected one {kind}, found {len(docs)}")
            return {}
        return docs[0]

    def run(self) -> None:
        routes = self.routes()
        variables = self.serve_variables()
        config = self.one("configmap.yaml", "ConfigMap").get("data", {})
        secret = self.one("secret.yaml", "Secret").get("stringData", {})
        deployment = self.one("deployment.yaml", "Deployment")
        service = self.one("service.yaml", "Service")
        ingress = self.one("ingress.yaml", "Ingress")
        monitor = self.one("servicemonitor.yaml", "ServiceMonitor")
        pod = deployment["spec"]["template"]["spec"]
        containers = {c["name"]: c for c in pod["containers"]}
        container = containers.get("chorus")
        if container is None:
            self.fail("deployment.yaml: no container named chorus")
            return

        # Probe paths.
        readiness = [path for path, handler in routes.items() if "isReady" in handler]
        self.expect(len(readiness) == 1, f"ChorusNode.swift: expected one GET route asking the bus isReady, found {readiness}")
        ready_probe = container.get("readinessProbe", {}).get("httpGet", {})
        live_probe = container.get("livenessProbe", {}).get("httpGet", {})
        start_probe = container.get("startupProbe", {}).get("httpGet", {})
        if readiness:
            self.expect(ready_probe.get("path") == readiness[0],
                        f"deployment.yaml: readinessProbe path {ready_probe.get('path')!r} is not the node's readiness route {readiness[0]!r}")
        for probe_name, probe in (("livenessProbe", live_probe), ("startupProbe", start_probe)):
            path = probe.get("path")
            self.expect(path in routes, f"deployment.yaml: {probe_name} path {path!r} is not a GET route of the node ({sorted(routes)})")
            if path in routes:
                self.expect("bus" not in routes[path],
                            f"deployment.yaml: {probe_name} path {path!r} depends on the bus: a Redis outage would restart every pod")

        # The port, everywhere it appears.
        port = int(config.get("CHORUS_PORT", self.default_port()))
        ports = {p.get("name"): p for p in container.get("ports", [])}
        http = ports.get("http")
        self.expect(http is not None and http.get("containerPort") == port,
                    f"deployment.yaml: container port 'http' is {http and http.get('containerPort')}, the node listens on {port}")
        for probe_name, probe in (("readinessProbe", ready_probe), ("livenessProbe", live_probe), ("startupProbe", start_probe)):
            self.expect(probe.get("port") in ports or probe.get("port") == port,
                        f"deployment.yaml: {probe_name} port {probe.get('port')!r} is not the container's port")
        service_ports = {p.get("name"): p for p in service["spec"]["ports"]}
        self.expect(any(p.get("targetPort") in ("http", port) for p in service_ports.values()),
                    "service.yaml: no port targets the container's 'http' port")
        self.expect(service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items(),
                    "service.yaml: the selector does not match the Deployment's pod labels")
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                self.expect(backend["name"] == service["metadata"]["name"], f"ingress.yaml: backend service {backend['name']!r} is not {service['metadata']['name']!r}")
                self.expect(backend["port"].get("name") in service_ports or backend["port"].get("number") in [p["port"] for p in service_ports.values()],
                            f"ingress.yaml: backend port {backend['port']} is not a port of service.yaml")
        for endpoint in monitor.get("spec", {}).get("endpoints", []):
            self.expect(endpoint.get("port") in service_ports, f"servicemonitor.yaml: port {endpoint.get('port')!r} is not a named port of service.yaml")
        self.expect(monitor.get("spec", {}).get("selector", {}).get("matchLabels", {}).items() <= service["metadata"]["labels"].items(),
                    "servicemonitor.yaml: the selector does not match service.yaml's labels")
        for dockerfile in ("deploy/Dockerfile", "deploy/Dockerfile.local"):
            text = (self.repo / dockerfile).read_text()
            exposed = re.findall(r"^EXPOSE\s+(\d+)", text, re.M)
            self.expect(exposed == [str(port)], f"{dockerfile}: EXPOSE {exposed}, the node listens on {port}")

        # Environment names.
        def check_names(where: str, names) -> None:
            for name in names:
                if name.startswith("CHORUS_"):
                    self.expect(name in variables, f"{where}: {name} is not a variable `chorus serve` reads")

        check_names("configmap.yaml", config)
        check_names("secret.yaml", secret)
        check_names("deployment.yaml", [e["name"] for e in container.get("env", [])])
        for dockerfile in ("deploy/Dockerfile", "deploy/Dockerfile.local"):
            text = (self.repo / dockerfile).read_text()
            check_names(dockerfile, re.findall(r"\b(CHORUS_[A-Z0-9_]+)=", text))
        compose = yaml.safe_load((self.repo / "docker-compose.yml").read_text())
        for service_name, spec in compose.get("services", {}).items():
            check_names(f"docker-compose.yml ({service_name})", (spec or {}).get("environment", {}) or {})
        check_names("docker-compose.yml (x-node)", compose.get("x-node", {}).get("environment", {}))
        # Every secret the Deployment references exists in the Secret, and every env var a
        # $(VAR) reference names is defined before it.
        defined: set[str] = set()
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                self.expect(ref["key"] in secret, f"deployment.yaml: {entry['name']} reads secret key {ref['key']!r}, which secret.yaml does not have")
            for used in re.findall(r"\$\((\w+)\)", entry.get("value", "")):
                self.expect(used in defined, f"deployment.yaml: {entry['name']} uses $({used}) before it is defined")
            defined.add(entry["name"])

        # Proxy limits against the node's settings.
        annotations = ingress["metadata"].get("annotations", {})
        heartbeat = parse_seconds(config.get("CHORUS_HEARTBEAT", "15s"))
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            value = annotations.get(f"nginx.ingress.kubernetes.io/{key}")
            self.expect(value is not None and int(value) > 4 * heartbeat,
                        f"ingress.yaml: {key} {value!r} must be well above the heartbeat ({heartbeat} s)")
        self.expect(annotations.get("nginx.ingress.kubernetes.io/proxy-buffering") == "off", "ingress.yaml: proxy-buffering must be \"off\" for SSE")
        body = annotations.get("nginx.ingress.kubernetes.io/proxy-body-size", "1m")
        self.expect(parse_bytes(body) >= int(config.get("CHORUS_MAX_BODY", 1 << 20)),
                    f"ingress.yaml: proxy-body-size {body} is below CHORUS_MAX_BODY")

        # Shutdown: the grace period covers the preStop sleep plus a margin.
        grace = pod.get("terminationGracePeriodSeconds", 30)
        pre_stop = container.get("lifecycle", {}).get("preStop", {})
        sleep = pre_stop.get("sleep", {}).get("seconds")
        if sleep is None:
            command = pre_stop.get("exec", {}).get("command", [])
            sleep = int(command[1]) if len(command) == 2 and command[0] == "sleep" else 0
        drain = sum(parse_seconds(config.get(k, "0s")) for k in ("CHORUS_DRAIN_DELAY", "CHORUS_DRAIN_WINDOW"))
        self.expect(grace >= sleep + drain + 10,
                    f"deployment.yaml: terminationGracePeriodSeconds {grace} < preStop {sleep} s + drain {drain} s + 10 s")

        # docker-compose.yml: the same relation for stop_grace_period (no preStop there).
        compose = yaml.safe_load((self.repo / "docker-compose.yml").read_text())
        node = compose.get("x-node", {})
        environment = node.get("environment", {}) or {}
        compose_drain = sum(parse_seconds(str(environment.get(k, default))) for k, default in (("CHORUS_DRAIN_DELAY", "5s"), ("CHORUS_DRAIN_WINDOW", "10s")))
        stop_grace = parse_seconds(str(node.get("stop_grace_period", "10s")))
        self.expect(stop_grace >= compose_drain + 10,
                    f"docker-compose.yml: stop_grace_period {stop_grace} s < drain {compose_drain} s + 10 s")

        # Security settings the issue asks for.
        security = container.get("securityContext", {})
        self.expect(security.get("readOnlyRootFilesystem") is True, "deployment.yaml: readOnlyRootFilesystem must be true")
        self.expect(security.get("allowPrivilegeEscalation") is False, "deployment.yaml: allowPrivilegeEscalation must be false")
        self.expect(pod.get("securityContext", {}).get("runAsNonRoot") is True, "deployment.yaml: runAsNonRoot must be true")

        # The ServiceMonitor: its CRD's schema, and the path once the node serves it.
        schema = json.loads((HERE / "schemas/servicemonitor-v1-prometheus-operator-0.93.0.json").read_text())["schema"]
        validator = jsonschema.Draft7Validator(strict(schema))
        for error in sorted(validator.iter_errors(monitor), key=lambda e: list(e.path)):
            self.fail(f"servicemonitor.yaml: {'.'.join(map(str, error.path)) or '(top)'}: {error.message}")
        metrics = [e.get("path", "/metrics") for e in monitor.get("spec", {}).get("endpoints", [])]
        if "/metrics" in routes:
            self.expect(all(path == "/metrics" for path in metrics), f"servicemonitor.yaml: path {metrics} is not the node's /metrics")
        else:
            self.notes.append("PENDING: the node has no GET /metrics route yet; servicemonitor.yaml's path is not checked against the source")


def strict(schema):
    """The CRD schema with unknown fields refused (the API server would prune them silently)."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def parse_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|m)?", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    number, unit = int(match.group(1)), match.group(2) or "s"
    return {"ms": number // 1000, "s": number, "m": number * 60}[unit]


def parse_bytes(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", str(text))
    if not match:
        raise ValueError(f"not a size: {text!r}")
    return int(match.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match.group(2).lower()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=pathlib.Path, default=HERE.parent.parent)
    args = parser.parse_args()
    checker = Checker(args.repo.resolve())
    checker.run()
    for note in checker.notes:
        print(f"check_manifests: {note}")
    for problem in checker.problems:
        print(f"check_manifests: FAIL {problem}", file=sys.stderr)
    if checker.problems:
        return 1
    print("check_manifests: probe paths, port, CHORUS_* names, proxy limits, shutdown timing and the ServiceMonitor agree with the node")
    return 0


if __name__ == "__main__":
    sys.exit(main())
