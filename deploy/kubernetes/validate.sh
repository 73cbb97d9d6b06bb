#!/usr/bin/env bash
# Validates deploy/kubernetes/ without a cluster (there is none on these machines):
#   1. renders kustomization.yaml (kubectl kustomize when kubectl is there; otherwise
#      its resources: list, file by file) and checks every manifest against the
#      Kubernetes OpenAPI schemas of each version in K8S_VERSIONS with
#      kubernetes-validate --strict (unknown fields are errors);
#   2. check_manifests.py: the ServiceMonitor against its CRD's schema (kubernetes-validate
#      knows only built-in kinds), and probe paths, port, CHORUS_* names, proxy limits and
#      shutdown timing against the node's source.
# Installs kubernetes-validate, jsonschema and PyYAML with pip when missing.
# Exits non-zero on any failure. ~5 s once the packages are installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The Kubernetes versions the manifests are meant for: the oldest and newest we claim.
K8S_VERSIONS=${K8S_VERSIONS:-"1.30.0 1.33.0 1.37.0"}
KUBECTL=${KUBECTL:-kubectl}   # KUBECTL=none: the path taken on a machine without it
KUBERNETES_VALIDATE_VERSION=1.37.0

if ! python3 -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null ||
   [ "$(python3 -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
    echo "validate.sh: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION, jsonschema, PyYAML"
    python3 -m pip install --quiet --root-user-action=ignore \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" 'jsonschema>=4' 'PyYAML>=6'
fi

rendered=$(mktemp /tmp/chorus-k8s.XXXXXX.yaml)
trap 'rm -f "$rendered"' EXIT
if command -v "$KUBECTL" >/dev/null; then
    "$KUBECTL" kustomize . > "$rendered"
    how="kubectl kustomize"
else
    # No kubectl: the same resources, unrendered (no namespace, labels or image rewrite;
    # none of those changes what the schemas check).
    python3 - "$rendered" <<'PY'
import sys, yaml
resources = yaml.safe_load(open("kustomization.yaml"))["resources"]
with open(sys.argv[1], "w") as out:
    for name in resources:
        out.write("---\n" + open(name).read())
PY
    how="the resources of kustomization.yaml (no kubectl here)"
fi
# Every manifest here is either in kustomization.yaml or applied on its own (servicemonitor.yaml).
python3 - <<'PY'
import pathlib, sys, yaml
listed = set(yaml.safe_load(open("kustomization.yaml"))["resources"]) | {"kustomization.yaml", "servicemonitor.yaml"}
stray = sorted(p.name for p in pathlib.Path(".").glob("*.yaml") if p.name not in listed)
if stray:
    sys.exit(f"validate.sh: not in kustomization.yaml: {stray}")
PY
echo "validate.sh: $(grep -c '^kind:' "$rendered") resources from $how"

for version in $K8S_VERSIONS; do
    # --quiet prints only failures; the exit status is non-zero on any of them.
    kubernetes-validate --strict --quiet -k "$version" "$rendered"
    echo "validate.sh: Kubernetes $version schemas (strict): ok"
done

python3 check_manifests.py
echo "validate.sh: all checks passed"
