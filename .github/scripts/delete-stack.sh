#!/usr/bin/env bash
# Deletes an ephemeral CloudFormation stack with `sam delete`, safely:
#
#   .github/scripts/delete-stack.sh orders-pr-42
#
# - refuses any name but orders-pr-<number>, so a slip can never reach the
#   dev, staging or production stacks (sam would fall back to samconfig.toml's
#   stack_name, orders-dev, if the name were empty);
# - succeeds when the stack does not exist (the deploy never got that far);
# - first waits for an operation still in progress to end (a cancelled run
#   leaves CloudFormation working on its own), since a stack cannot be
#   deleted while it is being updated.
#
# Needs AWS credentials and AWS_REGION in the environment.
set -euo pipefail

stack=${1:-}
if [[ ! "$stack" =~ ^orders-pr-[0-9]+$ ]]; then
  echo "delete-stack: refusing to delete '$stack': only orders-pr-<number> stacks are ephemeral" >&2
  exit 2
fi

# Up to 30 minutes for an update or rollback in progress to end.
for _ in $(seq 1 90); do
  if ! current=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query 'Stacks[0].StackStatus' --output text 2>&1); then
    if [[ "$current" == *"does not exist"* ]]; then
      echo "delete-stack: $stack does not exist; nothing to delete."
      exit 0
    fi
    echo "delete-stack: cannot read the status of $stack: $current" >&2
    exit 1
  fi
  case "$current" in
    DELETE_COMPLETE)
      echo "delete-stack: $stack is already deleted."
      exit 0
      ;;
    *_IN_PROGRESS)
      echo "delete-stack: $stack is $current; waiting for it to settle..."
      sleep 20
      ;;
    *) break ;;
  esac
done

echo "delete-stack: deleting $stack ($current)"
sam delete --stack-name "$stack" --region "$AWS_REGION" --no-prompts
