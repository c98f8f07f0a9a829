#!/usr/bin/env bash
# Says why a deploy failed when CodeDeploy rolled a function back:
#
#   .github/scripts/codedeploy-report.sh orders-staging
#
# `sam deploy` waits for CloudFormation, which waits for the CodeDeploy
# deployment of each function's alias (docs/deployment.md, "Gradual
# deployments"); a failed pre-traffic hook or an alarm rolls it back, and
# the deploy fails with the stack's events. This prints, for each
# deployment group of the stack, its latest deployment's status, error and
# the alarms it stopped on, as GitHub error annotations for those that
# failed, and the pre-traffic hook's error lines. It never fails itself:
# it runs after a failure, to explain it.
#
# Needs AWS credentials and AWS_REGION in the environment, and
# cloudformation:DescribeStackResources, codedeploy:ListDeployments,
# codedeploy:BatchGetDeployments and logs:FilterLogEvents (docs/ci-cd.md).
set -uo pipefail

stack=${1:?usage: codedeploy-report.sh STACK}
since=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)

resources=$(aws cloudformation describe-stack-resources --stack-name "$stack" \
  --query 'StackResources[?ResourceType==`AWS::CodeDeploy::Application` || ResourceType==`AWS::CodeDeploy::DeploymentGroup`].[ResourceType,LogicalResourceId,PhysicalResourceId]' \
  --output text 2>&1) || {
  echo "codedeploy-report: cannot read $stack's resources: $resources"
  exit 0
}
app=$(awk '$1 == "AWS::CodeDeploy::Application" { print $3 }' <<<"$resources")
if [[ -z "$app" ]]; then
  echo "codedeploy-report: $stack has no CodeDeploy application (the first deploy failed before it): see the stack events above."
  exit 0
fi

rolled_back=0
while read -r _ logical group; do
  ids=$(aws deploy list-deployments --application-name "$app" --deployment-group-name "$group" \
    --create-time-range "start=$since" --query 'deployments' --output text 2>/dev/null)
  if [[ -z "$ids" || "$ids" == None ]]; then
    echo "$logical: no deployment in the last 3 hours (its function did not change)"
    continue
  fi
  # The latest of them; batch-get takes 25 at most.
  # shellcheck disable=SC2086 # the ids are words
  latest=$(aws deploy batch-get-deployments --deployment-ids $(tr '\t' '\n' <<<"$ids" | head -n 25) \
    --query 'sort_by(deploymentsInfo, &createTime)[-1].[deploymentId, status, errorInformation.code, errorInformation.message]' \
    --output text 2>/dev/null)
  IFS=$'\t' read -r id status code message <<<"$latest"
  [[ "$code" == None ]] && code=""
  [[ "$message" == None ]] && message=""
  echo "$logical ($group): deployment $id $status${code:+ $code}${message:+: $message}"
  if [[ "$status" == Failed || "$status" == Stopped ]]; then
    rolled_back=1
    echo "::error title=CodeDeploy rolled back ${logical%DeploymentGroup}::deployment $id $status: ${code:-} ${message:-} (aws deploy get-deployment --deployment-id $id)"
  fi
done < <(awk '$1 == "AWS::CodeDeploy::DeploymentGroup" { print $1, $2, $3 }' <<<"$resources")

if [[ $rolled_back == 1 ]]; then
  echo
  echo "The pre-traffic hook's failures (log group /aws/lambda/$stack/CodeDeployHook):"
  aws logs filter-log-events --log-group-name "/aws/lambda/$stack/CodeDeployHook" \
    --start-time "$(( $(date -u -d "$since" +%s) * 1000 ))" --filter-pattern '{ $.level = "ERROR" }' \
    --query 'events[-5:].message' --output text 2>/dev/null || echo "(none readable)"
  echo
  echo "A hook failure names the operation, the version and the answer api.yaml does not allow;"
  echo "without one, an alarm stopped the traffic shift (its name is in the error above)."
fi
exit 0
