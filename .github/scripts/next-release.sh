#!/usr/bin/env bash
# The next release from the Conventional Commits since the last version tag.
#
#   .github/scripts/next-release.sh <commit> <notes-file>
#
# Prints the next tag (vX.Y.Z) and writes its release notes, grouped as
# Features, Fixes, Performance, Docs and Other, to <notes-file>; prints
# nothing (and writes nothing) when no release is due. Diagnostics go to
# stderr.
#
# The last version is the newest vX.Y.Z tag reachable from <commit> (none:
# 0.0.0, and every commit counts). Of the commits since then, merges aside:
#   - a `!` after the type or scope, or a BREAKING CHANGE: (or
#     BREAKING-CHANGE:) footer, bumps the major version (from 0.x too);
#   - else any feat bumps the minor version;
#   - else any fix or perf bumps the patch version;
#   - else (docs, chore, ci, test, ... only) there is no release.
set -euo pipefail

target=${1:?usage: next-release.sh <commit> <notes-file>}
notes=${2:?usage: next-release.sh <commit> <notes-file>}
target=$(git rev-parse --verify "$target^{commit}")

last=$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' --exclude '*-*' "$target" 2>/dev/null || true)
if [[ -n "$last" ]]; then
  range="$last..$target"
  version=${last#v}
  version=${version%%[-+]*} # a pre-release or build suffix does not count
else
  range=$target
  version=0.0.0
fi
if [[ ! "$version" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "next-release: cannot read a version from tag $last" >&2
  exit 1
fi
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} patch=${BASH_REMATCH[3]}
echo "next-release: last version ${last:-none (starting from 0.0.0)}; commits in $range" >&2

bump=0 # 0 none, 1 patch, 2 minor, 3 major
features=() fixes=() performance=() docs=() other=()
conventional='^([A-Za-z]+)(\(([^)]*)\))?(!)?:[[:space:]]*(.+)$'
breaking_footer=$'(^|\n)BREAKING[ -]CHANGE:'

while IFS= read -r -d $'\x1e' record; do
  record=${record#$'\n'} # git ends each commit's output with a newline
  [[ -z "$record" ]] && continue
  hash=${record%%$'\x1f'*}
  rest=${record#*$'\x1f'}
  subject=${rest%%$'\x1f'*}
  body=${rest#*$'\x1f'}

  type="" scope="" description=$subject breaking=0
  if [[ "$subject" =~ $conventional ]]; then
    type=${BASH_REMATCH[1],,}
    scope=${BASH_REMATCH[3]}
    [[ -n "${BASH_REMATCH[4]}" ]] && breaking=1
    description=${BASH_REMATCH[5]}
  fi
  [[ "$body" =~ $breaking_footer ]] && breaking=1

  line="- "
  ((breaking)) && line+="**BREAKING:** "
  [[ -n "$scope" ]] && line+="**$scope:** "
  line+="$description ($hash)"

  case "$type" in
    feat) features+=("$line"); ((bump < 2)) && bump=2 ;;
    fix) fixes+=("$line"); ((bump < 1)) && bump=1 ;;
    perf) performance+=("$line"); ((bump < 1)) && bump=1 ;;
    docs) docs+=("$line") ;;
    *) other+=("$line") ;;
  esac
  ((breaking)) && bump=3
done < <(git log --no-merges --format='%h%x1f%s%x1f%b%x1e' "$range")

case "$bump" in
  3) next="$((major + 1)).0.0" ;;
  2) next="$major.$((minor + 1)).0" ;;
  1) next="$major.$minor.$((patch + 1))" ;;
  *)
    echo "next-release: no feat, fix, perf or breaking change since ${last:-the first commit}; no release." >&2
    exit 0
    ;;
esac
tag="v$next"
if git rev-parse --quiet --verify "refs/tags/$tag" >/dev/null; then
  echo "next-release: $tag exists already, but is not reachable from $target" >&2
  exit 1
fi

section() { # title, lines...
  local title=$1
  shift
  (($# == 0)) && return 0
  printf '## %s\n\n' "$title"
  printf '%s\n' "$@"
  printf '\n'
}
{
  section Features "${features[@]}"
  section Fixes "${fixes[@]}"
  section Performance "${performance[@]}"
  section Docs "${docs[@]}"
  section Other "${other[@]}"
  if [[ -n "$last" && -n "${GITHUB_REPOSITORY:-}" ]]; then
    printf '**Full changelog:** %s/%s/compare/%s...%s\n' \
      "${GITHUB_SERVER_URL:-https://github.com}" "$GITHUB_REPOSITORY" "$last" "$tag"
  fi
} >"$notes"

echo "next-release: $tag" >&2
echo "$tag"
