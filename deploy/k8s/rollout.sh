#!/usr/bin/env bash
# Roll out one overlay: everything but the servers, then the migration Jobs to completion,
# then the gateway and services. Migrations are additive within a release (old code keeps
# working on the new schema), so the old replicas serve while the Jobs run.
#   deploy/k8s/rollout.sh overlays/prod
set -euo pipefail
overlay="${1:?usage: rollout.sh overlays/<dev|prod>}"
here="$(cd "$(dirname "$0")" && pwd)"
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$here/$overlay" > "$rendered"
namespace="$(awk '/^  namespace: /{print $2; exit}' "$rendered")"

# Jobs are immutable: the previous release's Jobs go before this release's are created.
kubectl delete job --namespace "$namespace" --ignore-not-found \
  --selector app.kubernetes.io/component=migration
# Namespace, config, accounts, policies, NATS and the Jobs; not the servers yet.
kubectl apply --filename "$rendered" --selector 'app.kubernetes.io/component!=server'
kubectl wait --namespace "$namespace" --for=condition=complete --timeout=15m \
  job --selector app.kubernetes.io/component=migration
# Now the Deployments (rolling, maxUnavailable 0), their PDBs, HPAs and the gateway Service.
kubectl apply --filename "$rendered"
for deployment in gateway engagement evaluation archive compliance; do
  kubectl rollout status --namespace "$namespace" --timeout=10m "deployment/$deployment"
done
